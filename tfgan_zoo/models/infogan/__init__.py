from tfgan_zoo.models.infogan.infogan_gan import InfoGAN
