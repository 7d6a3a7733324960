from tfgan_zoo.models.pix2pixhd.pix2pixhd_gan import Pix2PixHD
