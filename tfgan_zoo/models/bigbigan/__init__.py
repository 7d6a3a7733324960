from tfgan_zoo.models.bigbigan.bigbigan_gan import BigBiGAN
