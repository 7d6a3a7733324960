from tfgan_zoo.models.biggan_deep.biggan_deep_gan import BigGANDeep
