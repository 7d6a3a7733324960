"""LAPGAN: a Laplacian-pyramid cascade of conditional GANs (unconditional and class-conditional)."""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.base.conditional import ConditionalGAN
from tfgan_zoo.base.unconditional import UnconditionalGAN
from tfgan_zoo.layers.laplacian_pyramid import gaussian_pyramid, upsample
from tfgan_zoo.losses.adversarial import minimax_discriminator_loss, non_saturating_generator_loss
from tfgan_zoo.losses.reduction import reduce_global_batch
from tfgan_zoo.models.lapgan import lapgan_networks
from tfgan_zoo.registry import register_model


def pyramid_levels(image_size, coarse_size):
    n = math.log2(image_size / coarse_size) if image_size > 0 and coarse_size > 0 else -1
    if n < 1 or n != int(n):
        raise ValueError(
            f"image_size must be coarse_size·2^k with k >= 1 (e.g. 8 → 16 → 32), got image_size={image_size}, "
            f"coarse_size={coarse_size}."
        )
    return int(n)


class _LaplacianCascade:
    """What LAPGAN and its class-conditional variant share: the level networks, the cascade, per-level training."""

    def _setup(self, *, coarse_latent_dim, latent_distribution, image_size, coarse_size, channels, coarse_g_units,
               coarse_d_units, coarse_layers, g_filters, d_filters, g_layers, d_layers, kernel_size, dropout,
               learning_rate, lr_decay, momentum, num_classes=0):
        levels = pyramid_levels(image_size, coarse_size)
        g_filters, d_filters = list(g_filters), list(d_filters)
        for key, value in (("g_filters", g_filters), ("d_filters", d_filters)):
            if len(value) != levels:
                raise ValueError(
                    f"{key} needs one width per conv level, coarse to fine: {coarse_size} → {image_size} has {levels} "
                    f"levels, got {value}."
                )
        if g_layers < (2 if num_classes else 1) or d_layers < 1:
            raise ValueError(
                f"g_layers must be >= {2 if num_classes else 1} and d_layers >= 1, got {g_layers}, {d_layers}."
            )
        self.coarse_latent_dim = coarse_latent_dim
        self.latent_distribution = latent_distribution
        self.image_size = image_size
        self.coarse_size = coarse_size
        self.channels = channels
        self.coarse_g_units = coarse_g_units
        self.coarse_d_units = coarse_d_units
        self.coarse_layers = coarse_layers
        self.g_filters = g_filters
        self.d_filters = d_filters
        self.g_layers = g_layers
        self.d_layers = d_layers
        self.kernel_size = kernel_size
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.lr_decay = lr_decay
        self.momentum = momentum
        self.num_levels = levels
        #: resolutions of the conv levels, coarse to fine.
        self.level_sizes = [coarse_size * 2 ** (j + 1) for j in range(levels)]
        self.latent_dim = coarse_latent_dim + sum(s * s for s in self.level_sizes)

        coarse_g = lapgan_networks.build_coarse_generator(
            coarse_latent_dim, coarse_size, channels, coarse_g_units, coarse_layers, num_classes=num_classes
        )
        level_gs = [
            lapgan_networks.build_level_generator(
                s, channels, f, g_layers, kernel_size, f"level{j}_generator", num_classes=num_classes
            )
            for j, (s, f) in enumerate(zip(self.level_sizes, g_filters))
        ]
        self.generator = lapgan_networks.build_cascade(
            coarse_g, level_gs, coarse_latent_dim, coarse_size, num_classes=num_classes
        )
        self.coarse_discriminator = lapgan_networks.build_coarse_discriminator(
            coarse_size, channels, coarse_d_units, dropout, coarse_layers, num_classes=num_classes
        )
        self.level_discriminators = [
            lapgan_networks.build_level_discriminator(
                s, channels, f, d_layers, kernel_size, dropout, f"level{j}_discriminator", num_classes=num_classes
            )
            for j, (s, f) in enumerate(zip(self.level_sizes, d_filters))
        ]

    # --------------------------------------------------------------------------------------------- parts
    @property
    def coarse_generator(self):
        return self.generator.get_layer("coarse_generator")

    @property
    def level_generators(self):
        """G_k for the conv levels, coarse to fine."""
        return [self.generator.get_layer(f"level{j}_generator") for j in range(self.num_levels)]

    def player_models(self):
        return {
            "generator": [self.generator],
            "discriminator": [self.coarse_discriminator, *self.level_discriminators],
        }

    def summary_of_parameters(self):
        """Trainable parameters per level network (the cascade's G_k listed separately)."""
        models = [self.coarse_generator, *self.level_generators, self.coarse_discriminator, *self.level_discriminators]
        return {m.name: int(sum(np.prod(v.shape) for v in m.trainable_variables)) for m in models}

    def default_optimizers(self):
        def make():
            schedule = keras.optimizers.schedules.ExponentialDecay(self.learning_rate, 1, 1.0 / self.lr_decay)
            return keras.optimizers.SGD(schedule, momentum=self.momentum)

        return {"generator": make(), "discriminator": make()}

    def split_latents(self, latents):
        """(z_K, [z plane per conv level, coarse to fine]) from the flattened latent vector."""
        zc = latents[:, : self.coarse_latent_dim]
        planes, offset = [], self.coarse_latent_dim
        for s in self.level_sizes:
            planes.append(tf.reshape(latents[:, offset : offset + s * s], [-1, s, s, 1]))
            offset += s * s
        return zc, planes

    def _conditions(self, labels):
        """[] for the unconditional model; [one-hot c] for the class-conditional one."""
        return []

    def sample_levels(self, latents, labels=None, training=False):
        """The cascade's images at every level, coarse to fine: [I_K, ..., I_0] (tensors). `labels` (int class ids)
        are needed by the class-conditional model only."""
        latents = tf.convert_to_tensor(latents, tf.float32)
        if latents.shape.rank != 2 or latents.shape[-1] != self.latent_dim:
            raise ValueError(f"latents must have shape [N, {self.latent_dim}], got {latents.shape}.")
        cond = self._conditions(labels)
        zc, planes = self.split_latents(latents)
        image = self.coarse_generator([zc, *cond] if cond else zc, training=training)
        out = [image]
        for g, z in zip(self.level_generators, planes):
            low = upsample(image)
            image = tf.clip_by_value(low + g([low, z, *cond], training=training), -1.0, 1.0)
            out.append(image)
        return out

    # --------------------------------------------------------------------------------------------- training
    def _level_inputs(self, real):
        """Per conv level (coarse to fine): (real band-pass h_k, real low-pass l_k); and the coarse image I_K."""
        gauss = gaussian_pyramid(real, self.num_levels)  # finest first: I_0 ... I_K
        pairs = []
        for j in range(self.num_levels):
            k = self.num_levels - 1 - j
            low = upsample(gauss[k + 1])
            pairs.append((gauss[k] - low, low))
        return gauss[-1], pairs

    def _cascade_train_step(self, real, cond):
        """One D update and one G update of every level on its own level of `real`'s pyramid; `cond` is [] or
        [one-hot c]."""
        batch = tf.shape(real)[0]
        coarse_real, pairs = self._level_inputs(real)

        def coarse(x):
            return [x, *cond] if cond else x

        zc, planes = self.split_latents(self.sample_latents(batch))
        coarse_fake = tf.stop_gradient(self.coarse_generator(coarse(zc), training=True))
        fake_bands = [
            tf.stop_gradient(g([low, z, *cond], training=True))
            for g, z, (_, low) in zip(self.level_generators, planes, pairs)
        ]

        def d_loss_fn():
            per_example = minimax_discriminator_loss(
                self.coarse_discriminator(coarse(coarse_real), training=True),
                self.coarse_discriminator(coarse(coarse_fake), training=True),
            )
            for d, (band, low), fake in zip(self.level_discriminators, pairs, fake_bands):
                per_example += minimax_discriminator_loss(
                    d([band, low, *cond], training=True), d([fake, low, *cond], training=True)
                )
            return reduce_global_batch(per_example), {}

        d_loss, _ = self.update_player("discriminator", d_loss_fn)
        zc, planes = self.split_latents(self.sample_latents(batch))

        def g_loss_fn():
            per_example = non_saturating_generator_loss(
                self.coarse_discriminator(coarse(self.coarse_generator(coarse(zc), training=True)), training=True)
            )
            for g, d, z, (_, low) in zip(self.level_generators, self.level_discriminators, planes, pairs):
                per_example += non_saturating_generator_loss(
                    d([g([low, z, *cond], training=True), low, *cond], training=True)
                )
            return reduce_global_batch(per_example), {}

        g_loss, _ = self.update_player("generator", g_loss_fn)
        self.track(d_loss=d_loss, g_loss=g_loss)
        return self.logs()


_CASCADE_ARGS = (
    "coarse_latent_dim", "latent_distribution", "image_size", "coarse_size", "channels", "coarse_g_units",
    "coarse_d_units", "coarse_layers", "g_filters", "d_filters", "g_layers", "d_layers", "kernel_size", "dropout",
    "learning_rate", "lr_decay", "momentum",
)


@register_model("lapgan")
class LAPGAN(_LaplacianCascade, UnconditionalGAN):
    """LAPGAN: one GAN per Laplacian-pyramid level, sampled coarse to fine.

    The coarsest level (`coarse_size`², 8×8 for CIFAR-10) is an MLP GAN on the low-pass image I_K. Each finer level
    k has a conditional pair: G_k(l_k, z_k) produces the band-pass residual h̃_k from the upsampled coarser image
    l_k = u(I_{k+1}) with the noise z_k as a fourth colour plane, and D_k judges (h_k, l_k) against (h̃_k, l_k).
    Training (`train_step`) builds the real image's Gaussian pyramid and trains every level on its own pyramid level
    of the real data — each G_k is conditioned on the *real* l_k, never on a generated one — so the levels train
    independently, all in one step (the losses of different levels share no parameters, so summing them gives each
    pair exactly its own gradients). Sampling (`call`, `generate`, export) runs the whole cascade:
    I_K = G_K(z_K), I_k = clip(u(I_{k+1}) + G_k(u(I_{k+1}), z_k)).

    The latent vector is every level's noise flattened and concatenated, coarse to fine:
    `[z_K (coarse_latent_dim) | z_{K-1} plane (2·coarse)² | ... | z_0 plane image_size²]`, all U(-1, 1); its length
    is `model.latent_dim`. `sample_levels` returns the intermediate images.

    Pyramid operators: d = 2×2 box filter + subsampling, u = bilinear (`tfgan_zoo.layers.laplacian_pyramid`).
    Not reproduced: the paper's momentum ramp (0.5 → 0.8) and its CIFAR-10 28×28 crops (8 → 14 → 28); the CIFAR
    configuration here is the power-of-two 8 → 16 → 32 cascade.

    Args:
        coarse_latent_dim: size of z_K at the coarsest level (100).
        latent_distribution: 'uniform' (paper) or 'normal', for every level's noise.
        image_size: output resolution (32 for CIFAR-10); coarse_size: the MLP level's resolution (8).
        channels: 3 for RGB.
        coarse_g_units, coarse_d_units: hidden widths of the coarse MLPs (1200, 600); coarse_layers: hidden layers (2).
        g_filters, d_filters: conv widths of each finer level, coarse to fine (CIFAR: [64, 128]).
        g_layers, d_layers: conv layers in each G_k (3) and D_k (2).
        kernel_size: 5. dropout: in every discriminator (0.5).
        learning_rate, lr_decay, momentum: SGD from 0.02, divided by `lr_decay` = 1 + 4e-5 every step, momentum 0.5.
        seed: seed of the training-time noise and dropout.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("lapgan", image_size=16, coarse_size=8, channels=1, coarse_latent_dim=8,
        ...                           coarse_g_units=16, coarse_d_units=8, g_filters=[4], d_filters=[4])
        >>> m.latent_dim  # 8 + 16·16
        264
        >>> [im.shape[1] for im in m.sample_levels(m.latents_for(2, seed=0))]
        [8, 16]

    Reference:
        Denton, Chintala, Szlam & Fergus, "Deep Generative Image Models using a Laplacian Pyramid of Adversarial
        Networks", NeurIPS 2015, arXiv:1506.05751.
    """

    def __init__(
        self,
        coarse_latent_dim=100,
        latent_distribution="uniform",
        image_size=32,
        coarse_size=8,
        channels=3,
        coarse_g_units=1200,
        coarse_d_units=600,
        coarse_layers=2,
        g_filters=(64, 128),
        d_filters=(64, 128),
        g_layers=3,
        d_layers=2,
        kernel_size=5,
        dropout=0.5,
        learning_rate=0.02,
        lr_decay=1.00004,
        momentum=0.5,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        args = dict(locals())
        self._setup(**{k: args[k] for k in _CASCADE_ARGS})
        self._finish_init()

    def train_step(self, data):
        """A Laplacian cascade: one independent G/D pair per pyramid level, all updated in one step on that level's
        band-pass residual (`_cascade_train_step`), so the step is the cascade's, not one adversarial pair's.
        """
        return self._cascade_train_step(self.images_from_batch(data), [])


@register_model("lapgan_conditional")
class LAPGANConditional(_LaplacianCascade, ConditionalGAN):
    """Class-conditional LAPGAN (Denton et al. 2015, §4, CIFAR-10): the cascade of `lapgan` with a class one-hot c
    given to every G_k and D_k. At the conv levels c passes through a linear layer whose output is reshaped into one
    feature map concatenated with the first layer's maps, as in the paper; at the MLP level it is concatenated to
    z_K (G) and to the flattened image (D). `call((latents, labels))` samples the cascade for int class ids; the
    training data are (images, labels).

    Args:
        num_classes: number of classes (10 for CIFAR-10 and digits).
        The others: as `lapgan` (coarse_latent_dim, latent_distribution, image_size, coarse_size, channels,
            coarse_g_units, coarse_d_units, coarse_layers, g_filters, d_filters, g_layers (≥ 2), d_layers,
            kernel_size, dropout, learning_rate, lr_decay, momentum, seed).

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("lapgan_conditional", image_size=16, coarse_size=8, channels=1,
        ...                           coarse_latent_dim=8, coarse_g_units=16, coarse_d_units=8, g_filters=[4],
        ...                           d_filters=[4])
        >>> m.generate(3, seed=0, labels=[0, 1, 2]).shape
        (3, 16, 16, 1)

    Reference:
        Denton, Chintala, Szlam & Fergus, "Deep Generative Image Models using a Laplacian Pyramid of Adversarial
        Networks", NeurIPS 2015, arXiv:1506.05751 (class-conditional CIFAR-10 model, §4 and §5).
    """

    def __init__(
        self,
        num_classes=10,
        coarse_latent_dim=100,
        latent_distribution="uniform",
        image_size=32,
        coarse_size=8,
        channels=3,
        coarse_g_units=1200,
        coarse_d_units=600,
        coarse_layers=2,
        g_filters=(64, 128),
        d_filters=(64, 128),
        g_layers=3,
        d_layers=2,
        kernel_size=5,
        dropout=0.5,
        learning_rate=0.02,
        lr_decay=1.00004,
        momentum=0.5,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if num_classes < 2:
            raise ValueError(f"num_classes must be >= 2 for the class-conditional LAPGAN, got {num_classes}; "
                             "use `lapgan` for the unconditional model.")
        self.num_classes = num_classes
        args = dict(locals())
        self._setup(num_classes=num_classes, **{k: args[k] for k in _CASCADE_ARGS})
        self._finish_init()

    def _conditions(self, labels):
        if labels is None:
            raise ValueError("The class-conditional LAPGAN needs labels (int class ids) to sample.")
        return [tf.one_hot(tf.cast(tf.reshape(labels, [-1]), tf.int32), self.num_classes)]

    def train_step(self, data):
        """A Laplacian cascade: one independent G/D pair per pyramid level, all updated in one step on that level's
        band-pass residual (`_cascade_train_step`), so the step is the cascade's, not one adversarial pair's.
        """
        images, labels = self.split_batch(data)
        return self._cascade_train_step(images, self._conditions(labels))
