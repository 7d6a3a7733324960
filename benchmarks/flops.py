"""Analytic FLOP counts of Keras functional networks and of one GAN training step.

Counted: 2 · multiply-accumulates of `Conv2D`, `Conv2DTranspose` and `Dense` layers (nested models are walked).
Not counted: normalization, activations, losses and optimizer updates (elementwise; a few % of a conv GAN's step).
Layers of other kinds (custom convolutions of other families) are listed in `uncounted`, so a count is never
silently partial.
"""

from __future__ import annotations

import math

import keras


def _shape(tensor_or_shape):
    shape = getattr(tensor_or_shape, "shape", tensor_or_shape)
    return tuple(shape)


def layer_forward_flops(layer) -> int | None:
    """Forward FLOPs of one layer for ONE example, or None when the layer kind is not counted."""
    if isinstance(layer, keras.layers.Conv2DTranspose):
        _, h, w, cin = _shape(layer.input)
        kh, kw = layer.kernel_size
        return 2 * h * w * cin * layer.filters * kh * kw
    if isinstance(layer, keras.layers.Conv2D):
        _, oh, ow, cout = _shape(layer.output)
        cin = _shape(layer.input)[-1]
        kh, kw = layer.kernel_size
        return 2 * oh * ow * cout * kh * kw * cin // layer.groups
    if isinstance(layer, keras.layers.Dense):
        in_shape = _shape(layer.input)
        rows = math.prod(d for d in in_shape[1:-1]) if len(in_shape) > 2 else 1
        return 2 * rows * in_shape[-1] * layer.units
    return None


_WEIGHTLESS_OK = (keras.layers.InputLayer,)


def network_flops(model) -> dict:
    """Forward FLOPs of a functional network per example.

    Returns:
        {"total": int, "first": FLOPs of the first counted layer (its input gradient is never needed when the
        network's input is data or latents), "uncounted": [names of weighted layers of unknown kind]}.
    """
    total, first, uncounted = 0, None, []
    for layer in _walk(model):
        f = layer_forward_flops(layer)
        if f is None:
            if layer.weights and not isinstance(layer, _WEIGHTLESS_OK) and _has_kernel(layer):
                uncounted.append(layer.name)
            continue
        total += f
        if first is None:
            first = f
    return {"total": total, "first": first or 0, "uncounted": uncounted}


def _has_kernel(layer):
    return any(len(v.shape) >= 2 for v in layer.trainable_weights)


def _walk(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model) and hasattr(layer, "layers"):
            yield from _walk(layer)
        else:
            yield layer


def gan_step_flops(generator, discriminator) -> dict:
    """Minimum FLOPs per example of one non-saturating GAN step as pytorch/examples' DCGAN runs it.

    One G forward (its fake batch is reused for the G step); D forward + backward on the real batch and on the
    detached fake batch (weight gradients, and input gradients of every layer but the first); for the G step a D
    forward on the fake batch and D's input gradients (D's weight gradients are not needed), then G's weight
    gradients and input gradients of every G layer but the first. Backward of a layer = 2 × its forward.

    Returns:
        {"per_example": FLOPs, "generator_forward", "discriminator_forward", "uncounted": [...]}.
    """
    g, d = network_flops(generator), network_flops(discriminator)
    fg, fg1, fd, fd1 = g["total"], g["first"], d["total"], d["first"]
    d_step = 2 * (fd + fd + (fd - fd1))  # real and fake: forward + weight grads + input grads
    g_step = fg + (fd + fd) + (fg + (fg - fg1))  # G fwd; D fwd + input grads; G weight + input grads
    return {
        "per_example": d_step + g_step,
        "generator_forward": fg,
        "discriminator_forward": fd,
        "uncounted": g["uncounted"] + d["uncounted"],
    }
