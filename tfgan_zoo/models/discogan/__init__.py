"""DiscoGAN (Kim et al. 2017): discovering cross-domain relations with two coupled GANs; encoder-decoder
generators, DCGAN-style discriminators, L2 reconstruction of both cycles."""

from tfgan_zoo.models.discogan.discogan_gan import DiscoGAN

__all__ = ["DiscoGAN"]
