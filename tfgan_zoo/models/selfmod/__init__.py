from tfgan_zoo.models.selfmod.selfmod_gan import SelfModGAN
