from tfgan_zoo.models.cgan.cgan_gan import CGAN
