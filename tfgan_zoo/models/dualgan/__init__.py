"""DualGAN (Yi et al. 2017): unpaired translation by dual learning; U-Net generators, Wasserstein PatchGAN critics
with weight clipping, L1 reconstruction of both cycles."""

from tfgan_zoo.models.dualgan.dualgan_gan import DualGAN

__all__ = ["DualGAN"]
