from tfgan_zoo.models.gaugan.gaugan_gan import GauGAN
