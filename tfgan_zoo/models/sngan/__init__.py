from tfgan_zoo.models.sngan.sngan_gan import SNGAN
