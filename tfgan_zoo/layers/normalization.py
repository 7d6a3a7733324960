"""Normalization layers by name, so architectures take `normalization="batch" | "instance" | "layer" | "none"`."""

import keras

NORMALIZATIONS = ("batch", "instance", "layer", "none")


def normalization(kind, name, gamma_stddev=0.0, affine=True):
    """Returns a normalization layer (or None for 'none').

    'batch' is a *synchronized* BatchNormalization: on one device it is ordinary batch norm; under a
    distribution strategy it uses global-batch statistics, so training is the same as on one device.
    'instance' is GroupNormalization(groups=-1); 'layer' normalizes over H, W and C (as WGAN-GP's critic does).

    Args:
        gamma_stddev: if > 0, gamma is initialised N(1, gamma_stddev) (DCGAN's init); otherwise ones.
        affine: False gives 'instance' without a learned scale and shift (PyTorch's `InstanceNorm2d(affine=False)`,
            the CycleGAN code's default).
    """
    gamma = keras.initializers.RandomNormal(1.0, gamma_stddev) if gamma_stddev > 0 else "ones"
    if kind == "batch":
        return keras.layers.BatchNormalization(
            synchronized=True, momentum=0.9, epsilon=1e-5, gamma_initializer=gamma, name=name
        )
    if kind == "instance":
        return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, gamma_initializer=gamma, center=affine,
                                               scale=affine, name=name)
    if kind == "layer":
        return keras.layers.LayerNormalization(axis=[1, 2, 3], epsilon=1e-5, gamma_initializer=gamma, name=name)
    if kind == "none":
        return None
    raise ValueError(f"Unknown normalization {kind!r}; expected one of {NORMALIZATIONS}.")
