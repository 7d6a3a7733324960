"""Interactive editing on top of trained generators: iGAN (projection, constrained editing, edit transfer), GAN
Dissection / GANpaint (layer interventions, unit dissection) and the studio page (`tfgan-zoo studio`).

A core-layer package: it uses the task/model API (`model.generator`, `model.latent_dim`, `model.generate`) and never
imports a family.
"""

from tfgan_zoo.interactive.igan import (  # noqa: F401
    IGAN,
    Constraints,
    edit,
    project,
    sobel_edges,
    stroke_mask,
    train_encoder,
    transfer,
)
