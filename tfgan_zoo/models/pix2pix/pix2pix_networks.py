"""Pix2Pix networks (Isola et al. 2017): the U-Net generator and the conditional PatchGAN discriminator, shared
with the other image-to-image families in `tfgan_zoo.networks.translation` (layer details there)."""

from tfgan_zoo.networks.translation import build_patch_discriminator, build_unet_generator

__all__ = ["build_patch_discriminator", "build_unet_generator"]
