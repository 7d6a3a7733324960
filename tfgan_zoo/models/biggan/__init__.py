from tfgan_zoo.models.biggan.biggan_gan import BigGAN
