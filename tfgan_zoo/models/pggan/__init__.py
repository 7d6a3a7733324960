from tfgan_zoo.models.pggan.pggan_gan import PGGAN
