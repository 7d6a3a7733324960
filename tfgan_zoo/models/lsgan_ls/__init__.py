from tfgan_zoo.models.lsgan_ls.lsgan_ls_gan import LossSensitiveGAN
