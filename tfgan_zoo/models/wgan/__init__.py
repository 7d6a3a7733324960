from tfgan_zoo.models.wgan.wgan_gan import WGAN
