from tfgan_zoo.models.stackgan.stackgan_gan import StackGAN
