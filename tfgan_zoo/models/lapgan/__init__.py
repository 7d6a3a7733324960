from tfgan_zoo.models.lapgan.lapgan_gan import LAPGAN
