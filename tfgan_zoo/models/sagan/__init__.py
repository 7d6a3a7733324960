from tfgan_zoo.models.sagan.sagan_gan import SAGAN
