from tfgan_zoo.models.acgan.acgan_gan import ACGAN
