"""Pix2Pix: conditional adversarial image-to-image translation."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.base.image_to_image import ImageToImageGAN
from tfgan_zoo.layers.random import ConsistentDropout
from tfgan_zoo.losses.adversarial import minimax_discriminator_loss, non_saturating_generator_loss
from tfgan_zoo.losses.reconstruction import l1_loss
from tfgan_zoo.models.pix2pix import pix2pix_networks
from tfgan_zoo.registry import register_model


@register_model("pix2pix")
class Pix2Pix(ImageToImageGAN):
    """Pix2Pix: U-Net generator, conditional PatchGAN discriminator, L_cGAN + λ·L1 with λ = 100, D's objective
    halved, Adam(2e-4, β1 0.5), batch size 1.

    Dropout is the generator's noise during training. Inference has two modes: deterministic (the default: dropout
    off, batch norm with moving statistics, like the official code's `--eval`), and the paper's
    (`translate(..., stochastic=True, seed=s)` and the `translate_stochastic(images, seed)` serving signature):
    dropout on and each image normalized with its own statistics, as the official test.py (no `--eval`, batch size
    1: "instance normalization") runs it. The stochastic mode updates no state (moving statistics stay as trained)
    and is deterministic for a given seed.

    Args:
        image_size: 256 in the paper (power of two). in_channels, out_channels: 3 and 3.
        g_base_filters, d_base_filters: 64 and 64. d_layers: 3 (the 70×70 PatchGAN).
        normalization_kind: 'batch' (paper) or 'instance'.
        dropout: 0.5. l1_weight: λ = 100.
        learning_rate, beta_1: Adam (2e-4, 0.5).
        seed: seed of the dropout noise.

    Example:
        >>> import numpy as np, tfgan_zoo
        >>> m = tfgan_zoo.build_model("pix2pix", image_size=32, g_base_filters=4, d_base_filters=4)
        >>> m.translate(np.zeros((1, 32, 32, 3), "float32")).shape
        (1, 32, 32, 3)

    Reference:
        Isola, Zhu, Zhou & Efros, "Image-to-Image Translation with Conditional Adversarial Networks", CVPR 2017,
        arXiv:1611.07004.
    """

    loss_names = ("d_loss", "g_loss", "g_adversarial", "g_l1")

    def __init__(
        self,
        image_size=256,
        in_channels=3,
        out_channels=3,
        g_base_filters=64,
        d_base_filters=64,
        d_layers=3,
        normalization_kind="batch",
        dropout=0.5,
        l1_weight=100.0,
        learning_rate=2e-4,
        beta_1=0.5,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.image_size = image_size
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.g_base_filters = g_base_filters
        self.d_base_filters = d_base_filters
        self.d_layers = d_layers
        self.normalization_kind = normalization_kind
        self.dropout = dropout
        self.l1_weight = float(l1_weight)
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.generator = pix2pix_networks.build_unet_generator(
            image_size, in_channels, out_channels, g_base_filters, normalization_kind, dropout
        )
        self.discriminator = pix2pix_networks.build_patch_discriminator(
            image_size, in_channels, out_channels, d_base_filters, d_layers, normalization_kind
        )
        self._finish_init()

    def discriminator_loss(self, real_outputs, fake_outputs):
        # The paper halves D's objective so D learns more slowly than G.
        return 0.5 * minimax_discriminator_loss(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        return non_saturating_generator_loss(fake_outputs)

    def generator_penalty(self, fake, batch):
        l1 = l1_loss(fake, batch["target"])
        return self.l1_weight * l1, {"g_l1": l1}

    # ------------------------------------------------------------------------------------------ the paper's test mode
    def stochastic_translate(self, images, seed):
        """G in the paper's test mode on a batch tensor: dropout on (stateless masks from `seed`, one per dropout
        layer) and every batch norm normalizing each image with its own mean and variance (batch statistics at the
        official test batch size of 1). Reads the layers' weights and changes no state."""
        g = self.inference_generator
        seed = tf.cast(seed, tf.int32)
        dropout_index = {}

        def paper_mode(op):
            if isinstance(op, keras.layers.BatchNormalization):
                def normalize(x, **kwargs):
                    y = tf.cast(x, tf.float32)
                    mean, variance = tf.nn.moments(y, axes=[1, 2], keepdims=True)
                    y = (y - mean) * tf.math.rsqrt(variance + op.epsilon)
                    if op.scale:
                        y = y * tf.cast(op.gamma, tf.float32)
                    if op.center:
                        y = y + tf.cast(op.beta, tf.float32)
                    return tf.cast(y, x.dtype)
                return normalize
            if isinstance(op, ConsistentDropout):
                index = dropout_index.setdefault(id(op), len(dropout_index))

                def drop(x, **kwargs):
                    u = tf.random.stateless_uniform(tf.shape(x), seed=tf.stack([seed, tf.constant(index + 1)]))
                    return tf.where(u >= op.rate, x / tf.cast(1.0 - op.rate, x.dtype), tf.zeros_like(x))
                return drop
            return lambda *args, **kwargs: op(*args, **{**kwargs, "training": False}) if _takes_training(op) \
                else op(*args, **kwargs)

        out = g._run_through_graph(images, operation_fn=paper_mode)  # Keras' functional call with our layers
        return out[0] if isinstance(out, (list, tuple)) else out

    def translate(self, images, batch_size=16, stochastic=False, seed=None):
        """Translates source images in [-1, 1] `[N, H, W, C_in]`; returns `[N, H, W, C_out]` numpy.

        Args:
            stochastic: False (default): deterministic inference (dropout off, moving statistics). True: the paper's
                test mode (dropout on, each image's own statistics), different outputs for different seeds.
            seed: the dropout seed of the stochastic mode (a random one if None).
        """
        if not stochastic:
            return super().translate(images, batch_size)
        images = np.asarray(images, np.float32)
        expected = (self.image_size, self.image_size, self.in_channels)
        if images.ndim != 4 or images.shape[1:] != expected:
            raise ValueError(f"images must have shape [N, {', '.join(map(str, expected))}], got {images.shape}.")
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        outs = [tf.cast(self.stochastic_translate(tf.constant(images[i:i + batch_size]), seed + i), tf.float32).numpy()
                for i in range(0, len(images), batch_size)]
        return np.concatenate(outs, axis=0)

    def serving_signatures(self):
        """The task's `serving_default(images)` (deterministic) plus `translate_stochastic(images, seed)`, the paper's
        test mode."""
        signatures = dict(super().serving_signatures())

        def translate_stochastic(images, seed):
            return {"images": tf.cast(self.stochastic_translate(images, seed), tf.float32)}

        spec = tf.TensorSpec([None, self.image_size, self.image_size, self.in_channels], tf.float32, name="images")
        signatures["translate_stochastic"] = (translate_stochastic, [spec, tf.TensorSpec([], tf.int32, name="seed")])
        return signatures


def _takes_training(op):
    return "training" in getattr(op, "_call_context_args", ()) or getattr(op, "_call_has_training_arg", False)
