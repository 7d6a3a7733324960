from tfgan_zoo.models.lsgan.lsgan_gan import LSGAN
