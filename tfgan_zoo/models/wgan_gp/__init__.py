from tfgan_zoo.models.wgan_gp.wgan_gp_gan import WGANGP
