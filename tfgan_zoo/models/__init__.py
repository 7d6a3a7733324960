"""Importing this package registers every model family."""

from tfgan_zoo.models import cgan, dcgan, gan, lsgan, pix2pix, wgan, wgan_gp  # noqa: F401
