"""BigGAN's "standing statistics": batch-norm statistics recomputed for sampling.

The moving averages gathered during training belong to the *training* weights; for the EMA generator (and for a
given truncation) BigGAN instead averages the batch statistics of many forward passes of the sampling generator
itself. This routine does that for every `BatchNormalization` inside a Keras model (including those nested in
conditional BN layers): it resets the moving mean/variance and runs `num_batches` training-mode passes with the
cumulative-average momentum k/(k+1), so the result is the exact mean of the per-batch statistics.

Only the batch norms run in training mode: spectral-normalization wrappers are held in inference mode during the
passes (Keras' wrapper would otherwise re-normalize and overwrite its kernel), so the statistics belong to exactly
the weights used at sampling time. Frozen batch norms (an EMA generator's) are unfrozen for the passes, since Keras
runs a non-trainable batch norm in inference mode whatever `training` says. Every other weight is set back to its
value afterwards.
"""

import keras


def batch_norm_layers(model):
    return [layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]


def accumulate_standing_statistics(model, inputs_fn, num_batches=100):
    """Replaces the BN moving statistics of `model` with the average over `num_batches` passes.

    Args:
        model: a Keras model (e.g. the EMA generator).
        inputs_fn: `inputs_fn(k)` → the model inputs of pass k (e.g. fresh latents and labels).
        num_batches: number of passes (100 in BigGAN).
    Returns:
        the number of batch-norm layers updated.
    """
    if num_batches < 1:
        raise ValueError(f"num_batches must be >= 1, got {num_batches}.")
    bns = batch_norm_layers(model)
    if not bns:
        return 0
    bn_vars = {id(v) for bn in bns for v in (bn.moving_mean, bn.moving_variance)}
    others = [v for v in model.weights if id(v) not in bn_vars]
    saved = [v.numpy() for v in others]
    momenta = [bn.momentum for bn in bns]
    # A non-trainable batch norm (every BN of an EMA generator, which is frozen) ignores training=True in Keras 3
    # and keeps its moving statistics: unfreeze the batch norms for the passes.
    frozen = [bn for bn in bns if not bn.trainable]
    for bn in frozen:
        bn.trainable = True
    wrappers = [layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.SpectralNormalization)]
    for layer in wrappers:
        object.__setattr__(layer, "call", _inference_call(layer))
    try:
        for k in range(num_batches):
            for bn in bns:
                bn.momentum = k / (k + 1.0)  # moving ← (k·moving + batch) / (k + 1): the running mean
            model(inputs_fn(k), training=True)
    finally:
        for layer in wrappers:
            object.__delattr__(layer, "call")
        for bn, m in zip(bns, momenta):
            bn.momentum = m
        for bn in frozen:
            bn.trainable = False
        for v, value in zip(others, saved):
            v.assign(value)
    return len(bns)


def _inference_call(layer):
    method = type(layer).call

    def call(inputs, training=False):
        return method(layer, inputs, training=False)

    return call
