"""ResNet generators and discriminators of the SN-GAN / SAGAN / BigGAN lineage, as functional Keras models.

One builder per player covers the family of papers; each family's `<family>_networks.py` passes its paper's
settings:

* Generator: z (or its first chunk) → linear → 4×4×C₀ → up-blocks (BN → ReLU → 2× nearest up → 3×3 conv → BN →
  ReLU → 3×3 conv, with a 1×1-conv shortcut) → BN → ReLU → 3×3 conv → tanh; optional self-attention after the
  block whose output has a listed resolution. The batch norms inside blocks are conditioned by `conditioning`:
    - 'none': synchronized BN with learned γ, β (unconditional SN-GAN);
    - 'class': per-class γ, β (SN-GAN projection, SAGAN);
    - 'shared': γ, β linear in [shared class embedding, z chunk] (BigGAN's skip-z; with `hierarchical=False` the
      whole z, as in BigGAN-deep; with `num_classes=0` the z chunk alone, as in BigBiGAN);
    - 'selfmod': γ(z), β(z) from a one-hidden-layer MLP (self-modulation), with [z, embed(y)] when conditional.
  `block_type='deep'` gives BigGAN-deep's bottleneck blocks (two per resolution, channel-drop shortcut).
* Discriminator: down-blocks (ReLU → 3×3 conv → ReLU → 3×3 conv → 2×2 average pool, 1×1-conv shortcut; the first
  block without pre-activation) → ReLU → global sum pooling → projection head (linear + ⟨embed(y), h⟩).
"""

from __future__ import annotations

import math

import keras

from tfgan_zoo.layers.attention import SelfAttention
from tfgan_zoo.layers.conditional_norm import ConditionalBatchNormalization, SelfModulatedBatchNormalization
from tfgan_zoo.layers.initializers import PerCall
from tfgan_zoo.layers.projection import ProjectionHead
from tfgan_zoo.layers.spectral import sn_conv, sn_dense
from tfgan_zoo.layers.tensor_ops import ChannelSlice, GlobalSumPooling2D

CONDITIONINGS = ("none", "class", "shared", "selfmod")

# SN-GAN's Chainer init: GlorotUniform(√2) for block convs (variance ×2), GlorotUniform(1) elsewhere.
_INITS = {
    "glorot": ("glorot_uniform", "glorot_uniform"),
    "sngan": (lambda: keras.initializers.VarianceScaling(2.0, "fan_avg", "uniform"), "glorot_uniform"),
    "orthogonal": ("orthogonal", "orthogonal"),
}


def _inits(init):
    if init not in _INITS:
        raise ValueError(f"Unknown init {init!r}; expected one of {sorted(_INITS)}.")
    block, other = _INITS[init]
    # one instance is shared by the network's block convs: PerCall gives each its own draw
    return (PerCall(block()) if callable(block) else block), other


def num_blocks(image_size, bottom_width=4):
    n = math.log2(image_size / bottom_width) if image_size > 0 else -1
    if n < 1 or n != int(n):
        raise ValueError(f"image_size must be {bottom_width}·2^k with k >= 1 (8, 16, 32, 64, 128, ...), got "
                         f"{image_size}.")
    return int(n)


def _check_mults(mults, n, what):
    if len(mults) != n + 1:
        raise ValueError(f"{what} needs {n + 1} channel multipliers for {n} blocks, got {list(mults)}.")


def _upsample(x, name):
    return keras.layers.UpSampling2D(2, interpolation="nearest", name=name)(x)


def _pool(x, name):
    return keras.layers.AveragePooling2D(2, name=name)(x)


def _relu(x, name):
    return keras.layers.ReLU(name=name)(x)


class _Norms:
    """Makes the generator's block norms for one conditioning scheme; `norm(x, name, cond)`."""

    def __init__(self, conditioning, num_classes, sn, init, selfmod_hidden):
        if conditioning not in CONDITIONINGS:
            raise ValueError(f"Unknown conditioning {conditioning!r}; expected one of {CONDITIONINGS}.")
        if conditioning == "class" and not num_classes:
            raise ValueError("conditioning='class' needs num_classes > 0 (use 'none' for an unconditional model).")
        self.conditioning, self.num_classes, self.sn, self.init = conditioning, num_classes, sn, init
        self.selfmod_hidden = selfmod_hidden

    def __call__(self, x, name, cond):
        if self.conditioning == "none":
            return keras.layers.BatchNormalization(synchronized=True, momentum=0.9, epsilon=1e-5, name=name)(x)
        if self.conditioning == "class":
            return ConditionalBatchNormalization(num_classes=self.num_classes, name=name)([x, cond])
        if self.conditioning == "shared":
            return ConditionalBatchNormalization(use_sn=self.sn, kernel_initializer=self.init, name=name)([x, cond])
        return SelfModulatedBatchNormalization(hidden_units=self.selfmod_hidden, use_sn=self.sn,
                                               kernel_initializer=self.init, name=name)([x, cond])


def _g_block(x, out_ch, cond, norm, name, sn, init_block, init_sc, upsample=True, biases=None):
    """BigGAN/SN-GAN up-block: BN-ReLU-up-conv3-BN-ReLU-conv3 + up-conv1 shortcut.

    `biases` (a `_BiasTracker`) records which conv biases only ever reach batch norms."""
    in_ch = x.shape[-1]
    if biases is not None:
        biases.redundant(f"{name}_conv1")
        biases.pending(f"{name}_conv2", f"{name}_conv_sc")
    h = _relu(norm(x, f"{name}_bn1", cond), f"{name}_relu1")
    if upsample:
        h = _upsample(h, f"{name}_up")
    h = sn_conv(out_ch, 3, f"{name}_conv1", sn, kernel_initializer=init_block)(h)
    h = _relu(norm(h, f"{name}_bn2", cond), f"{name}_relu2")
    h = sn_conv(out_ch, 3, f"{name}_conv2", sn, kernel_initializer=init_block)(h)
    sc = _upsample(x, f"{name}_sc_up") if upsample else x
    if in_ch != out_ch or upsample:
        sc = sn_conv(out_ch, 1, f"{name}_conv_sc", sn, kernel_initializer=init_sc)(sc)
    return keras.layers.Add(name=f"{name}_add")([sc, h])


def _g_block_deep(x, out_ch, cond, norm, name, sn, init, upsample, channel_ratio=4, biases=None):
    """BigGAN-deep bottleneck up-block: 1×1 down to C/4, two 3×3, 1×1 up; shortcut drops channels."""
    in_ch = x.shape[-1]
    if biases is not None:
        biases.redundant(f"{name}_conv1", f"{name}_conv2", f"{name}_conv3")
        biases.pending(f"{name}_conv4")
    hidden = in_ch // channel_ratio
    h = _relu(norm(x, f"{name}_bn1", cond), f"{name}_relu1")
    h = sn_conv(hidden, 1, f"{name}_conv1", sn, kernel_initializer=init)(h)
    h = _relu(norm(h, f"{name}_bn2", cond), f"{name}_relu2")
    sc = x
    if in_ch != out_ch:
        sc = ChannelSlice(0, out_ch, name=f"{name}_sc_drop")(sc)
    if upsample:
        h = _upsample(h, f"{name}_up")
        sc = _upsample(sc, f"{name}_sc_up")
    h = sn_conv(hidden, 3, f"{name}_conv2", sn, kernel_initializer=init)(h)
    h = _relu(norm(h, f"{name}_bn3", cond), f"{name}_relu3")
    h = sn_conv(hidden, 3, f"{name}_conv3", sn, kernel_initializer=init)(h)
    h = _relu(norm(h, f"{name}_bn4", cond), f"{name}_relu4")
    h = sn_conv(out_ch, 1, f"{name}_conv4", sn, kernel_initializer=init)(h)
    return keras.layers.Add(name=f"{name}_add")([sc, h])


class _BiasTracker:
    """Names of the generator's conv/linear layers whose bias provably has a zero gradient.

    A per-channel constant that reaches a batch norm only through linear ops (convs, upsampling, additions) is
    removed by it, so d(loss)/d(bias) = 0 exactly. In float arithmetic it is ~1e-8 round-off, which Adam
    (update ≈ lr·g/(|g| + ε)) turns into lr-sized random walks that differ between one device and N replicas. The
    official networks have these biases (and the parameter counts include them); the GAN keeps them but does not
    give them to the optimizer, which is what exact arithmetic would do. A self-attention block is nonlinear in
    such constants, so biases reaching one are not redundant.
    """

    def __init__(self):
        self.names, self._pending = [], []

    def redundant(self, *names):
        self.names.extend(names)

    def pending(self, *names):
        self._pending.extend(names)

    def nonlinear(self):
        self._pending = []

    def finish(self):
        self.names.extend(self._pending)
        self._pending = []
        return tuple(self.names)


def resnet_generator(
    latent_dim,
    image_size,
    channels,
    base_channels,
    channel_mults,
    num_classes=0,
    conditioning="none",
    hierarchical=False,
    shared_dim=128,
    attention_resolutions=(),
    sn=False,
    init="glorot",
    block_type="standard",
    selfmod_hidden=32,
    bottom_width=4,
    name="generator",
):
    """Builds G: `[latents]` or `[latents, labels]` (when `num_classes > 0`) → images in [-1, 1].

    Args:
        channel_mults: C_i / base_channels at the 4×4 input and after each up-block (len = blocks + 1).
        hierarchical: BigGAN's skip-z: z is split into (blocks + 1) equal chunks, the first feeds the linear layer
            and chunk i+1 conditions block i (with `conditioning='shared'`).
        attention_resolutions: feature-map sizes after which a self-attention block is inserted.
        block_type: 'standard' or 'deep' (BigGAN-deep: two bottleneck blocks per resolution).
    """
    n = num_blocks(image_size, bottom_width)
    _check_mults(channel_mults, n, "the generator")
    init_block, init_other = _inits(init)
    norm = _Norms(conditioning, num_classes, sn, init_other, selfmod_hidden)
    z = keras.Input((latent_dim,), name="latents")
    inputs = [z]
    labels = None
    if num_classes:
        labels = keras.Input((), dtype="int32", name="labels")
        inputs.append(labels)

    num_chunks = n + 1
    if hierarchical:
        if conditioning != "shared":
            raise ValueError("hierarchical (skip-z) latents need conditioning='shared'.")
        if latent_dim % num_chunks:
            raise ValueError(f"latent_dim ({latent_dim}) must split into {num_chunks} equal chunks for skip-z.")
        size = latent_dim // num_chunks
        chunks = [ChannelSlice(i * size, (i + 1) * size, name=f"z_chunk_{i}")(z) for i in range(num_chunks)]
    else:
        chunks = [z] * num_chunks

    embedded = None
    if num_classes and conditioning in ("shared", "selfmod"):
        embedded = keras.layers.Embedding(num_classes, shared_dim, embeddings_initializer=init_other,
                                          name="shared_embedding")(labels)

    def cond_for(i):  # the condition of block i (0-based); i = -1 is the linear input
        if conditioning == "class":
            return labels
        if conditioning == "none":
            return None
        chunk = chunks[i + 1]
        if embedded is None:
            return chunk
        return keras.layers.Concatenate(name=f"cond_{i}")([embedded, chunk])

    if block_type == "deep":
        lin_in = cond_for(-1) if (conditioning == "shared" and embedded is not None) else chunks[0]
    else:
        lin_in = chunks[0]
    top = base_channels * channel_mults[0]
    biases = _BiasTracker()
    biases.pending("linear")
    h = sn_dense(bottom_width * bottom_width * top, "linear", sn, kernel_initializer=init_other)(lin_in)
    h = keras.layers.Reshape((bottom_width, bottom_width, top), name="reshape")(h)
    res = bottom_width
    for i in range(n):
        out_ch = base_channels * channel_mults[i + 1]
        cond = cond_for(i)
        if block_type == "deep":
            in_ch = base_channels * channel_mults[i]
            h = _g_block_deep(h, in_ch, cond, norm, f"block{i + 1}a", sn, init_other, upsample=False, biases=biases)
            h = _g_block_deep(h, out_ch, cond, norm, f"block{i + 1}b", sn, init_other, upsample=True, biases=biases)
        elif block_type == "standard":
            h = _g_block(h, out_ch, cond, norm, f"block{i + 1}", sn, init_block, init_other, biases=biases)
        else:
            raise ValueError(f"Unknown block_type {block_type!r}; expected 'standard' or 'deep'.")
        res *= 2
        if res in attention_resolutions:
            h = SelfAttention(use_sn=sn, kernel_initializer=init_other,
                              name=f"attention_{res}")(h)
            biases.nonlinear()
    h = keras.layers.BatchNormalization(synchronized=True, momentum=0.9, epsilon=1e-5, name="out_bn")(h)
    h = _relu(h, "out_relu")
    h = sn_conv(channels, 3, "out_conv", sn, kernel_initializer=init_other)(h)
    images = keras.layers.Activation("tanh", dtype="float32", name="images")(h)
    model = keras.Model(inputs if num_classes else z, images, name=name)
    model.zero_gradient_biases = biases.finish()
    return model


def _d_block(x, out_ch, name, sn, init_block, init_sc, downsample=True, preactivation=True, wide=False):
    """SN-GAN/BigGAN down-block; `wide`: hidden = out channels (BigGAN), else in channels (SN-GAN)."""
    in_ch = x.shape[-1]
    hidden = out_ch if (wide or not preactivation) else in_ch
    h = _relu(x, f"{name}_relu1") if preactivation else x
    h = sn_conv(hidden, 3, f"{name}_conv1", sn, kernel_initializer=init_block)(h)
    h = _relu(h, f"{name}_relu2")
    h = sn_conv(out_ch, 3, f"{name}_conv2", sn, kernel_initializer=init_block)(h)
    if downsample:
        h = _pool(h, f"{name}_pool")
    sc = x
    learnable = in_ch != out_ch or downsample
    if preactivation:
        if learnable:
            sc = sn_conv(out_ch, 1, f"{name}_conv_sc", sn, kernel_initializer=init_sc)(sc)
        if downsample:
            sc = _pool(sc, f"{name}_sc_pool")
    else:
        if downsample:
            sc = _pool(sc, f"{name}_sc_pool")
        if learnable:
            sc = sn_conv(out_ch, 1, f"{name}_conv_sc", sn, kernel_initializer=init_sc)(sc)
    return keras.layers.Add(name=f"{name}_add")([sc, h])


def _d_block_deep(x, out_ch, name, sn, init, downsample, channel_ratio=4):
    """BigGAN-deep bottleneck down-block; the shortcut keeps x and appends 1×1-conv channels."""
    in_ch = x.shape[-1]
    hidden = out_ch // channel_ratio
    h = _relu(x, f"{name}_relu1")
    h = sn_conv(hidden, 1, f"{name}_conv1", sn, kernel_initializer=init)(h)
    h = _relu(h, f"{name}_relu2")
    h = sn_conv(hidden, 3, f"{name}_conv2", sn, kernel_initializer=init)(h)
    h = _relu(h, f"{name}_relu3")
    h = sn_conv(hidden, 3, f"{name}_conv3", sn, kernel_initializer=init)(h)
    h = _relu(h, f"{name}_relu4")
    if downsample:
        h = _pool(h, f"{name}_pool")
    h = sn_conv(out_ch, 1, f"{name}_conv4", sn, kernel_initializer=init)(h)
    sc = _pool(x, f"{name}_sc_pool") if downsample else x
    if in_ch != out_ch:
        extra = sn_conv(out_ch - in_ch, 1, f"{name}_conv_sc", sn, kernel_initializer=init)(sc)
        sc = keras.layers.Concatenate(name=f"{name}_sc_concat")([sc, extra])
    return keras.layers.Add(name=f"{name}_add")([sc, h])


def resnet_discriminator(
    image_size,
    channels,
    base_channels,
    channel_mults,
    downsample,
    num_classes=0,
    attention_resolutions=(),
    sn=True,
    init="glorot",
    wide=False,
    block_type="standard",
    name="discriminator",
    pooling="sum",
):
    """Builds D: `images` or `[images, labels]` → logits `[B, 1]`.

    Args:
        channel_mults: output channels / base_channels of each block.
        downsample: per block, whether it halves the resolution.
        attention_resolutions: resolutions after whose block a self-attention block is inserted.
        wide: BigGAN's wide blocks (hidden = out channels); SN-GAN uses hidden = in channels.
        block_type: 'standard' (first block without pre-activation) or 'deep' (a 3×3 input conv, then two
            bottleneck blocks per entry of `channel_mults`, the first of which downsamples).
        pooling: 'sum' (SN-GAN, BigGAN: global sum pooling) or 'mean' (WGAN-GP's ResNet critic).
    """
    if pooling not in ("sum", "mean"):
        raise ValueError(f"pooling must be 'sum' or 'mean', got {pooling!r}.")
    if len(channel_mults) != len(downsample):
        raise ValueError(f"channel_mults ({len(channel_mults)}) and downsample ({len(downsample)}) must match.")
    if image_size % (2 ** sum(bool(d) for d in downsample)):
        raise ValueError(f"image_size {image_size} cannot be halved {sum(downsample)} times.")
    init_block, init_other = _inits(init)
    images = keras.Input((image_size, image_size, channels), name="images")
    h = images
    res = image_size
    if block_type == "deep":
        h = sn_conv(base_channels, 3, "input_conv", sn, kernel_initializer=init_other)(h)
    for i, (mult, down) in enumerate(zip(channel_mults, downsample)):
        out_ch = base_channels * mult
        if block_type == "deep":
            h = _d_block_deep(h, out_ch, f"block{i + 1}a", sn, init_other, downsample=bool(down))
            h = _d_block_deep(h, out_ch, f"block{i + 1}b", sn, init_other, downsample=False)
        elif block_type == "standard":
            h = _d_block(h, out_ch, f"block{i + 1}", sn, init_block, init_other, bool(down), preactivation=i > 0,
                         wide=wide)
        else:
            raise ValueError(f"Unknown block_type {block_type!r}; expected 'standard' or 'deep'.")
        if down:
            res //= 2
        if res in attention_resolutions:
            h = SelfAttention(use_sn=sn, kernel_initializer=init_other,
                              name=f"attention_{res}")(h)
            attention_resolutions = tuple(r for r in attention_resolutions if r != res)
    h = _relu(h, "out_relu")
    if pooling == "sum":
        h = GlobalSumPooling2D(name="global_sum_pool")(h)
    else:
        h = keras.layers.GlobalAveragePooling2D(name="global_mean_pool")(h)
    head = ProjectionHead(num_classes=num_classes, use_sn=sn, kernel_initializer=init_other, name="projection")
    if num_classes:
        labels = keras.Input((), dtype="int32", name="labels")
        logits = head([h, labels])
        return keras.Model([images, labels], logits, name=name)
    return keras.Model(images, head(h), name=name)
