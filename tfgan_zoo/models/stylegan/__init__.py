from tfgan_zoo.models.stylegan.stylegan_gan import StyleGAN
