from tfgan_zoo.models.cogan.cogan_gan import CoGAN
