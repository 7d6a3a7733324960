from tfgan_zoo.models.stylegan2.stylegan2_gan import StyleGAN2
