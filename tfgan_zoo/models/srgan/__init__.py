"""SRGAN (Ledig et al. 2017): SRResNet + VGG-style discriminator, PSNR and GAN stages."""

from tfgan_zoo.models.srgan.srgan_gan import SRGAN, interpolate

__all__ = ["SRGAN", "interpolate"]
