"""CycleGAN (Zhu et al. 2017): unpaired translation with cycle consistency; ResNet generators, PatchGAN
discriminators, and the converter of the official PyTorch checkpoints (`cyclegan_convert`)."""

from tfgan_zoo.models.cyclegan.cyclegan_gan import CycleGAN

__all__ = ["CycleGAN"]
