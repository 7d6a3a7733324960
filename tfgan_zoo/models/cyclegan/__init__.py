"""CycleGAN (Zhu et al. 2017): so far its ResNet generator only, which `tfgan_zoo.pretrained.convert` loads the
official PyTorch generators into. No GAN class is registered yet; the unpaired-translation family adds it here."""
