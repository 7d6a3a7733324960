"""StarGAN (Choi et al. 2018): multi-domain translation with one generator G(x, c), a two-headed PatchGAN
discriminator (D_src, D_cls), the mask vector for several datasets, and the converter of the official checkpoints
(`stargan_convert`)."""

from tfgan_zoo.models.stargan.stargan_gan import StarGAN

__all__ = ["StarGAN"]
