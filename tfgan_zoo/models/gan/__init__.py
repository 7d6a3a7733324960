from tfgan_zoo.models.gan.gan_gan import GAN
