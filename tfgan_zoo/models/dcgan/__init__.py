from tfgan_zoo.models.dcgan.dcgan_gan import DCGAN
