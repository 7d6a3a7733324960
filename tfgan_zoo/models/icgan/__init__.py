from tfgan_zoo.models.icgan.icgan_gan import ICGAN
