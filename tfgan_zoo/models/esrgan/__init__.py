"""ESRGAN (Wang et al. 2018): RRDB generator, relativistic average GAN, network interpolation."""

from tfgan_zoo.models.esrgan.esrgan_gan import ESRGAN, interpolate

__all__ = ["ESRGAN", "interpolate"]
