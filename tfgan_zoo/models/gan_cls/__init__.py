from tfgan_zoo.models.gan_cls.gan_cls_gan import GANCLS
