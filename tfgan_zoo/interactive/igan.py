"""iGAN: projection of real images into a generator's latent space, constrained editing, and edit transfer.

Zhu, Krähenbühl, Shechtman & Efros, "Generative Visual Manipulation on the Natural Image Manifold", ECCV 2016
(arXiv:1609.03552). For any unconditional zoo generator (`model.generator` / `model.inference_generator`,
`model.latent_dim`, `model.latent_distribution`):

* **projection** `project(model, images)`: z* = argmin_z ‖G(z) − x‖² + λ_f ‖F(G(z)) − F(x)‖², with F a deep-feature
  network (the shipped digits classifier's second conv block, `evaluation/digits.py`), started from an encoder's
  prediction z₀ = E(x) (the paper's hybrid). The encoder is trained on demand on (z, G(z)) pairs
  (`train_encoder`, a few hundred steps, seconds on a CPU); nothing is downloaded.
* **editing** `edit(model, z0, constraints)`: z* = argmin_z Σ_g λ_g ‖M_g ⊙ (f_g(G(z)) − v_g)‖² + λ_s ‖z − z₀‖² with
  colour strokes (f = the image, v = the stroke colour under a mask), sketch strokes (f = the Sobel edge strength
  of G(z), v = the drawn edges) and a warp brush (the pixels of G(z₀) under a region, moved by a displacement, become
  a colour constraint at the moved place). Returns the latent path z₀ → z* as frames.
* **edit transfer** `transfer(original, frames)`: the change along the generated frames (dense TV-L1 optical flow
  for motion, the remaining difference for colour) applied to the original photograph; pixels the edit does not
  change keep the original's values exactly.

The optimisations (projection and editing) run as one `tf.function` each: a `tf.while_loop` of Adam steps with the
optimizer state as loop variables, so the same graph exports as a SavedModel signature (`interactive/export.py`).
"""

from __future__ import annotations

import weakref

import keras
import numpy as np
import tensorflow as tf

#: the digits classifier layer whose activations are the projection's deep features.
FEATURE_LAYER = "block2_conv2"


def _generator(model):
    g = getattr(model, "inference_generator", None) or getattr(model, "generator", None)
    if g is None or not hasattr(model, "latent_dim"):
        raise TypeError(
            f"{type(model).__name__} is not an unconditional zoo generator: iGAN needs `model.generator` (or "
            "`inference_generator`) and `model.latent_dim`. Build one with tfgan_zoo.from_preset('dcgan_digits_32')."
        )
    if len(g.inputs) != 1:
        raise TypeError(
            f"iGAN edits generators with a single latent input; {type(model).__name__}'s generator takes "
            f"{len(g.inputs)} inputs (a conditional model). Use an unconditional model (e.g. dcgan)."
        )
    return g


def _image_shape(g):
    shape = g.outputs[0].shape
    return int(shape[1]), int(shape[2]), int(shape[3])


def sobel_edges(images):
    """Edge strength in [0, 1) of images in [-1, 1] `[B, H, W, C]`: tanh of the Sobel gradient magnitude of the
    luma (mean over channels) on [0, 1] intensities. Returns `[B, H, W, 1]`."""
    luma = (tf.reduce_mean(tf.cast(images, tf.float32), axis=-1, keepdims=True) + 1.0) / 2.0
    grad = tf.image.sobel_edges(luma)  # [B, H, W, 1, 2]
    magnitude = tf.sqrt(tf.reduce_sum(tf.square(grad), axis=-1) + 1e-8)
    return tf.tanh(magnitude)


def _adam_loop(loss_fn, z_init, steps, learning_rate, clip, num_frames):
    """Adam on z for `steps` steps inside the graph; returns (z*, path [num_frames, B, D]) where the path holds
    z₀ and evenly spaced iterates up to z*. `loss_fn(z)` returns one loss per example (so examples are independent)."""
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    steps = tf.maximum(tf.cast(steps, tf.int32), 1)
    num_frames = tf.clip_by_value(tf.cast(num_frames, tf.int32), 2, steps + 1)
    # iterate indices after which a frame is recorded: round(k · steps / (F − 1)), k = 1 .. F − 1
    marks = tf.cast(
        tf.round(tf.cast(tf.range(1, num_frames), tf.float32) * tf.cast(steps, tf.float32)
                 / tf.cast(num_frames - 1, tf.float32)), tf.int32)
    frames = tf.TensorArray(tf.float32, size=num_frames, element_shape=z_init.shape)
    frames = frames.write(0, z_init)

    def body(i, z, m, v, frames, written):
        with tf.GradientTape() as tape:
            tape.watch(z)
            loss = tf.reduce_sum(loss_fn(z))
        grad = tape.gradient(loss, z)
        t = tf.cast(i + 1, tf.float32)
        m = beta1 * m + (1.0 - beta1) * grad
        v = beta2 * v + (1.0 - beta2) * tf.square(grad)
        step = learning_rate * (m / (1.0 - beta1**t)) / (tf.sqrt(v / (1.0 - beta2**t)) + eps)
        z = z - step
        if clip:
            z = tf.clip_by_value(z, -1.0, 1.0)
        hit = tf.reduce_any(tf.equal(marks, i + 1))
        frames = tf.cond(hit, lambda: frames.write(written, z), lambda: frames)
        written = written + tf.cast(hit, tf.int32)
        return i + 1, z, m, v, frames, written

    zeros = tf.zeros_like(z_init)
    _, z, _, _, frames, _ = tf.while_loop(
        lambda i, *_: i < steps, body, (tf.constant(0), z_init, zeros, zeros, frames, tf.constant(1)))
    return z, frames.stack()


def edit_graph(generator, clip, z0, color_target, color_mask, edge_target, edge_mask, steps=60,
               learning_rate=0.05, color_weight=1.0, edge_weight=1.0, latent_weight=0.01, num_frames=8):
    """The editing objective as a graph function of tensors (used by `IGAN.edit` and by the exported `igan_edit`
    signature). Shapes: z0 `[B, D]`, color_target `[B, H, W, C]`, masks and edge_target `[B, H, W, 1]`.

    Returns `(z*, path [F, B, D])`. Each term is a masked mean (over the masked pixels), so the weights do not
    depend on the stroke's size.
    """
    z0 = tf.convert_to_tensor(z0, tf.float32)
    color_mask = tf.cast(color_mask, tf.float32)
    edge_mask = tf.cast(edge_mask, tf.float32)
    channels = tf.cast(tf.shape(color_target)[-1], tf.float32)
    color_area = tf.maximum(tf.reduce_sum(color_mask, axis=[1, 2, 3]) * channels, 1.0)
    edge_area = tf.maximum(tf.reduce_sum(edge_mask, axis=[1, 2, 3]), 1.0)
    latent_dim = tf.cast(tf.shape(z0)[-1], tf.float32)

    def loss_fn(z):
        x = tf.cast(generator(z, training=False), tf.float32)
        color = tf.reduce_sum(color_mask * tf.square(x - color_target), axis=[1, 2, 3]) / color_area
        edges = tf.reduce_sum(edge_mask * tf.square(sobel_edges(x) - edge_target), axis=[1, 2, 3]) / edge_area
        prior = tf.reduce_sum(tf.square(z - z0), axis=-1) / latent_dim
        return color_weight * color + edge_weight * edges + latent_weight * prior

    return _adam_loop(loss_fn, z0, steps, learning_rate, clip, num_frames)


class Constraints:
    """The user's strokes for `edit`: colour strokes, sketch strokes and warp-brush moves on an `H × W × C` image.

    Masks are boolean/float `[H, W]` arrays (see `stroke_mask`); colours are values in [-1, 1] (one per channel or a
    scalar). Later strokes overwrite earlier ones where they overlap.

    Example:
        >>> c = Constraints(32, 32, 1)
        >>> c.color(stroke_mask(32, [(4, 4), (4, 27)], radius=2), 1.0).mask_area("color")
        78
    """

    def __init__(self, height: int, width: int, channels: int):
        self.shape = (int(height), int(width), int(channels))
        self.color_target = np.zeros(self.shape, np.float32)
        self.color_mask = np.zeros(self.shape[:2] + (1,), np.float32)
        self.edge_target = np.zeros(self.shape[:2] + (1,), np.float32)
        self.edge_mask = np.zeros(self.shape[:2] + (1,), np.float32)

    def _mask(self, mask):
        mask = np.asarray(mask, np.float32)
        if mask.shape != self.shape[:2]:
            raise ValueError(f"A stroke mask must have shape {self.shape[:2]} (the image's H, W), got {mask.shape}.")
        return mask > 0.5

    def color(self, mask, color):
        """Pixels under `mask` should take `color` (scalar or `[C]`, in [-1, 1])."""
        m = self._mask(mask)
        color = np.broadcast_to(np.asarray(color, np.float32), (self.shape[2],))
        if np.any(np.abs(color) > 1.0):
            raise ValueError(f"Stroke colours are image values in [-1, 1], got {color.tolist()}.")
        self.color_target[m] = color
        self.color_mask[m] = 1.0
        return self

    def sketch(self, mask, strength: float = 1.0):
        """A drawn line: the image should have an edge of `strength` (Sobel edge strength in [0, 1)) under `mask`."""
        m = self._mask(mask)
        self.edge_target[m] = float(strength)
        self.edge_mask[m] = 1.0
        return self

    def warp(self, mask, shift, source_image):
        """The warp brush: the pixels of `source_image` (G(z₀), `[H, W, C]`) under `mask` move by `shift` = (dy, dx)
        pixels; they become a colour constraint at the moved place."""
        m = self._mask(mask)
        src = np.asarray(source_image, np.float32).reshape(self.shape)
        dy, dx = (int(round(s)) for s in shift)
        ys, xs = np.nonzero(m)
        ty, tx = ys + dy, xs + dx
        keep = (ty >= 0) & (ty < self.shape[0]) & (tx >= 0) & (tx < self.shape[1])
        self.color_target[ty[keep], tx[keep]] = src[ys[keep], xs[keep]]
        self.color_mask[ty[keep], tx[keep]] = 1.0
        return self

    def mask_area(self, kind: str) -> int:
        return int({"color": self.color_mask, "edge": self.edge_mask}[kind].sum())

    def tensors(self) -> dict:
        """`{color_target, color_mask, edge_target, edge_mask}` with a batch dimension of 1."""
        return {k: getattr(self, k)[None] for k in ("color_target", "color_mask", "edge_target", "edge_mask")}


def stroke_mask(size, points, radius: float = 1.5):
    """A boolean `[H, W]` mask of a brush stroke through `points` [(row, col), ...] with a round brush of `radius`
    pixels (scikit-image's polygon drawing). `size` is H (square) or (H, W)."""
    from skimage.draw import disk, line

    h, w = (size, size) if np.isscalar(size) else size
    mask = np.zeros((h, w), bool)
    pts = [tuple(int(round(v)) for v in p) for p in points]
    if not pts:
        raise ValueError("A stroke needs at least one (row, col) point.")
    path = [pts[0]] + pts[1:]
    for (r0, c0), (r1, c1) in zip(path, path[1:] + [path[-1]]):
        rr, cc = line(r0, c0, r1, c1)
        for r, c in zip(rr, cc):
            dr, dc = disk((r, c), radius, shape=(h, w))
            mask[dr, dc] = True
    return mask


def build_encoder(image_shape, latent_dim: int, uniform: bool, filters=(32, 64, 128)):
    """iGAN's encoder E: x → z (strided convolutions + a dense layer; tanh for a uniform prior)."""
    inputs = keras.Input(image_shape, name="images")
    x = inputs
    for i, f in enumerate(filters):
        x = keras.layers.Conv2D(f, 4, strides=2, padding="same", name=f"enc{i + 1}_conv")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"enc{i + 1}_lrelu")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    z = keras.layers.Dense(latent_dim, activation="tanh" if uniform else None, name="latents")(x)
    return keras.Model(inputs, z, name="igan_encoder")


def train_encoder(model, steps: int = 400, batch_size: int = 64, learning_rate: float = 1e-3, seed: int = 0):
    """Trains iGAN's encoder on (z, G(z)) pairs drawn from the model's prior (latent MSE), on demand.

    About 400 steps of batch 64 take ~10-20 s on a 2-core CPU for the 32² DCGAN. Returns the `keras.Model`.
    """
    g = _generator(model)
    uniform = getattr(model, "latent_distribution", "normal") == "uniform"
    keras.utils.set_random_seed(seed)
    encoder = build_encoder(_image_shape(g), int(model.latent_dim), uniform)
    optimizer = keras.optimizers.Adam(learning_rate)
    rng = tf.random.Generator.from_seed(seed)

    @tf.function
    def step():
        shape = (batch_size, int(model.latent_dim))
        z = rng.uniform(shape, -1.0, 1.0) if uniform else rng.normal(shape)
        x = tf.cast(g(z, training=False), tf.float32)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(encoder(x, training=True) - z))
        optimizer.apply_gradients(zip(tape.gradient(loss, encoder.trainable_variables), encoder.trainable_variables))
        return loss

    for _ in range(int(steps)):
        step()
    return encoder


def _feature_model():
    from tfgan_zoo.evaluation.digits import load_digits_classifier

    classifier, _ = load_digits_classifier()
    return keras.Model(classifier.input, classifier.get_layer(FEATURE_LAYER).output, name="igan_features")


class IGAN:
    """iGAN's tools bound to one unconditional generator; the optimisations are traced once per instance.

    Args:
        model: a zoo unconditional GAN (e.g. `tfgan_zoo.from_preset("dcgan_digits_32")`).
        encoder: a trained encoder (`train_encoder`); trained on demand by `project` when None and `use_encoder`.
        feature_weight: λ_f of the deep-feature term of the projection (0 disables it).
    """

    def __init__(self, model, encoder=None, feature_weight: float = 1.0):
        self.model = model
        self.generator = _generator(model)
        self.latent_dim = int(model.latent_dim)
        self.uniform = getattr(model, "latent_distribution", "normal") == "uniform"
        self.image_shape = _image_shape(self.generator)
        self.encoder = encoder
        self.feature_weight = float(feature_weight)
        self._features = _feature_model() if self.feature_weight > 0 else None
        spec_z = tf.TensorSpec([None, self.latent_dim], tf.float32)
        spec_img = tf.TensorSpec([None, *self.image_shape], tf.float32)
        spec_1 = tf.TensorSpec([None, *self.image_shape[:2], 1], tf.float32)
        scalar_i, scalar_f = tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.float32)
        self._edit = tf.function(self._edit_fn, input_signature=[
            spec_z, spec_img, spec_1, spec_1, spec_1, scalar_i, scalar_f, scalar_f, scalar_f, scalar_f, scalar_i])
        self._project = tf.function(self._project_fn, input_signature=[spec_z, spec_img, scalar_i, scalar_f])

    # -- graph functions --------------------------------------------------------------------------------------
    def _edit_fn(self, z0, color_target, color_mask, edge_target, edge_mask, steps, lr, wc, we, ws, frames):
        return edit_graph(self.generator, self.uniform, z0, color_target, color_mask, edge_target, edge_mask,
                          steps, lr, wc, we, ws, frames)

    def _deep(self, images):
        x = images
        if self.image_shape[2] != 1:
            x = tf.reduce_mean(x, axis=-1, keepdims=True)
        size = self._features.input.shape[1:3]
        if tuple(self.image_shape[:2]) != tuple(size):
            x = tf.image.resize(x, size, method="bilinear")
        return self._features(x, training=False)

    def _project_fn(self, z_init, images, steps, lr):
        target_features = self._deep(images) if self._features is not None else None

        def loss_fn(z):
            x = tf.cast(self.generator(z, training=False), tf.float32)
            loss = tf.reduce_mean(tf.square(x - images), axis=[1, 2, 3])
            if target_features is not None:
                loss += self.feature_weight * tf.reduce_mean(
                    tf.square(self._deep(x) - target_features), axis=[1, 2, 3])
            return loss

        return _adam_loop(loss_fn, z_init, steps, lr, self.uniform, 2)

    # -- public API ------------------------------------------------------------------------------------------
    def _check_images(self, images):
        images = np.asarray(images, np.float32)
        if images.ndim == 3:
            images = images[None]
        if images.shape[1:] != self.image_shape:
            raise ValueError(
                f"Images must have shape [N, {', '.join(map(str, self.image_shape))}] (the generator's output) with "
                f"values in [-1, 1], got {images.shape}. Resize them first (e.g. tf.image.resize).")
        if images.min() < -1.0001 or images.max() > 1.0001:
            raise ValueError(f"Images must have values in [-1, 1], got [{images.min():.3g}, {images.max():.3g}].")
        return images

    def random_latents(self, n: int, seed: int = 0):
        rng = np.random.default_rng(seed)
        shape = (n, self.latent_dim)
        return (rng.uniform(-1, 1, shape) if self.uniform else rng.normal(size=shape)).astype(np.float32)

    def encode(self, images):
        """The encoder's prediction E(x) (training the encoder on demand)."""
        images = self._check_images(images)
        if self.encoder is None:
            self.encoder = train_encoder(self.model)
        return np.asarray(self.encoder(images, training=False), np.float32)

    def project(self, images, steps: int = 100, learning_rate: float = 0.05, use_encoder: bool = True,
                z_init=None):
        """Projects real images `[N, H, W, C]` in [-1, 1] into z: the encoder's prediction refined by Adam on
        pixel L2 + λ_f deep-feature L2. Returns `(latents [N, D], reconstructions [N, H, W, C])` (numpy)."""
        images = self._check_images(images)
        if z_init is None:
            z_init = self.encode(images) if use_encoder else self.random_latents(len(images))
        z, _ = self._project(tf.constant(z_init, tf.float32), tf.constant(images), tf.constant(int(steps)),
                             tf.constant(float(learning_rate)))
        return z.numpy(), self.render(z)

    def render(self, latents):
        return np.asarray(self.generator(tf.constant(latents, tf.float32), training=False), np.float32)

    def edit(self, z0, constraints: Constraints, steps: int = 60, learning_rate: float = 0.05,
             color_weight: float = 1.0, edge_weight: float = 1.0, latent_weight: float = 0.01, num_frames: int = 8):
        """Constrained editing from `z0` (`[D]` or `[1, D]`). Returns `(path [F, D], frames [F, H, W, C])`: the
        latent path z₀ → z* and its images (frame 0 is G(z₀), the last is G(z*))."""
        z0 = np.asarray(z0, np.float32).reshape(1, self.latent_dim)
        if constraints.shape != self.image_shape:
            raise ValueError(f"Constraints were drawn on a {constraints.shape} image; this generator makes "
                             f"{self.image_shape}. Build them with Constraints(*{self.image_shape}).")
        t = constraints.tensors()
        _, path = self._edit(tf.constant(z0), tf.constant(t["color_target"]), tf.constant(t["color_mask"]),
                             tf.constant(t["edge_target"]), tf.constant(t["edge_mask"]), tf.constant(int(steps)),
                             tf.constant(float(learning_rate)), tf.constant(float(color_weight)),
                             tf.constant(float(edge_weight)), tf.constant(float(latent_weight)),
                             tf.constant(int(num_frames)))
        path = path.numpy()[:, 0]
        return path, self.render(path)


_TOOLS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def tools_for(model) -> IGAN:
    """The `IGAN` bound to `model`, created once per model (so its graphs are traced once)."""
    tools = _TOOLS.get(model)
    if tools is None:
        tools = _TOOLS[model] = IGAN(model)
    return tools


def project(model, images, **kwargs):
    """`IGAN(model).project(images)`: latents and reconstructions of real images (see `IGAN.project`)."""
    return tools_for(model).project(images, **kwargs)


def edit(model, z0, constraints: Constraints, **kwargs):
    """`IGAN(model).edit(z0, constraints)`: the latent path and its frames (see `IGAN.edit`)."""
    return tools_for(model).edit(z0, constraints, **kwargs)


def _warp(image, flow):
    from skimage.transform import warp

    h, w = image.shape[:2]
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    coords = np.array([rows + flow[0], cols + flow[1]])
    return np.stack([warp(image[..., c], coords, mode="edge", order=1) for c in range(image.shape[-1])], -1)


def transfer(original, frames, change_threshold: float = 0.05, region=None):
    """Edit transfer: applies the change along generated `frames` `[F, h, w, C]` (frame 0 = the projection of
    `original`) to `original` `[H, W, C]` (values in [-1, 1]).

    For each frame t the motion is the dense TV-L1 optical flow from frame 0 to frame t (scikit-image's
    `optical_flow_tvl1`) and the colour change is what the warped frame 0 still lacks: out_t = warp(original, flow_t)
    + (frame_t − warp(frame_0, flow_t)), at the original's resolution. Only pixels within one pixel of where the
    generated frames change by more than `change_threshold` (and, if given, inside `region` `[H, W]`) take the
    transferred values; all others keep the original's values exactly (TV-L1's flow in flat areas is not motion).
    Returns `[F, H, W, C]` (frame 0 is the original).
    """
    from scipy.ndimage import binary_dilation
    from skimage.registration import optical_flow_tvl1
    from skimage.transform import resize

    original = np.asarray(original, np.float32)
    frames = np.asarray(frames, np.float32)
    if original.ndim != 3 or frames.ndim != 4 or frames.shape[-1] != original.shape[-1]:
        raise ValueError(f"transfer takes original [H, W, C] and frames [F, h, w, C] with the same C; got "
                         f"{original.shape} and {frames.shape}.")
    h, w = original.shape[:2]
    if frames.shape[1:3] != (h, w):
        frames = np.stack([resize(f, (h, w), order=1, mode="edge", anti_aliasing=False) for f in frames])
    grey = frames.mean(-1)
    keep_region = np.ones((h, w), bool) if region is None else np.asarray(region, bool)
    out = [original]
    for t in range(1, len(frames)):
        flow = optical_flow_tvl1(grey[t], grey[0])  # frame_0(r + flow(r)) ≈ frame_t(r)
        warped0 = _warp(frames[0], flow)
        moved = _warp(original, flow) + (frames[t] - warped0)
        changed = binary_dilation(np.abs(frames[t] - frames[0]).max(-1) > change_threshold) & keep_region
        out.append(np.where(changed[..., None], np.clip(moved, -1.0, 1.0), original))
    return np.stack(out).astype(np.float32)
