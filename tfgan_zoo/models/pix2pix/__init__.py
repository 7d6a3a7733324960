from tfgan_zoo.models.pix2pix.pix2pix_gan import Pix2Pix
