"""Spectral normalization (Miyato et al. 2018) through Keras' built-in `keras.layers.SpectralNormalization`.

Behaviour of the built-in (Keras 3.15), checked for this zoo:
  * one power iteration per training call, `u` kept as a non-trainable weight; under `MirroredStrategy` every
    replica computes the same `u` and normalized kernel from the same mirrored weights, so 2 replicas equal one
    device (tests/layers/test_spectral.py and the registry-wide mirrored contract);
  * in training mode it *overwrites* the wrapped kernel with W/σ(W) and differentiates the layer with respect to
    that stored kernel (σ is treated as a constant); the paper differentiates through W/σ(W). Inference uses the
    stored (last normalized, then optimizer-updated) kernel without another iteration;
  * wrapping an `Embedding` casts the output to the *input* dtype (int labels → int embeddings), so class
    embeddings are spectrally normalized here as a bias-free Dense layer on one-hot labels (`sn_class_embedding`),
    which is the same matrix and the same normalization.
"""

import keras


def spectral_norm(layer, enabled=True, power_iterations=1, name=None):
    """Wraps `layer` (Conv2D / Dense) in `keras.layers.SpectralNormalization` when `enabled`.

    The wrapper takes `name` (default: the layer's name) and the wrapped layer is renamed `<name>_w`, so weight
    paths read `<name>/<name>_w/kernel` and `<name>/vector_u`.
    """
    if not enabled:
        return layer
    name = name or layer.name
    layer.name = f"{name}_w"
    return keras.layers.SpectralNormalization(layer, power_iterations=power_iterations, name=name)


def sn_conv(filters, kernel_size, name, sn=True, use_bias=True, kernel_initializer="glorot_uniform", strides=1):
    """A same-padded Conv2D, spectrally normalized when `sn`."""
    layer = keras.layers.Conv2D(
        filters, kernel_size, strides=strides, padding="same", use_bias=use_bias,
        kernel_initializer=kernel_initializer, name=name,
    )
    return spectral_norm(layer, sn, name=name)


def sn_dense(units, name, sn=True, use_bias=True, kernel_initializer="glorot_uniform"):
    """A Dense layer, spectrally normalized when `sn`."""
    layer = keras.layers.Dense(units, use_bias=use_bias, kernel_initializer=kernel_initializer, name=name)
    return spectral_norm(layer, sn, name=name)
