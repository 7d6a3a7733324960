"""Task bases: every zoo GAN subclasses one of these."""

from tfgan_zoo.base.conditional import ConditionalGAN
from tfgan_zoo.base.gan import BaseGAN
from tfgan_zoo.base.image_to_image import ImageToImageGAN
from tfgan_zoo.base.unconditional import UnconditionalGAN
