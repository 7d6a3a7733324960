"""FUNIT (Liu et al. 2019): few-shot translation into classes never seen in training; content and class encoders,
an AdaIN decoder whose parameters an MLP computes from the class code, a multi-task patch discriminator."""

from tfgan_zoo.models.funit.funit_gan import FUNIT

__all__ = ["FUNIT"]
