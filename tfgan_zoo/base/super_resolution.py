"""Task base for super-resolution GANs (SRGAN, ESRGAN): staged training, tiled upscaling, network interpolation."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo import tasks
from tfgan_zoo.base.gan import BaseGAN
from tfgan_zoo.losses.reduction import reduce_global_batch

TRAINING_STAGES = ("psnr", "gan")


class SuperResolutionGAN(BaseGAN):
    """Base for G(low_res) → high_res `scale` times larger, trained on `(low_res, high_res)` pairs.

    `training_stage` picks the objective: 'psnr' trains the generator alone on its pixel loss (SRResNet,
    RRDB-PSNR: the PSNR-oriented pre-training both papers start from), 'gan' runs the shared adversarial step with
    the family's content, pixel and adversarial terms. The generator is fully convolutional: `call`, `upscale` and
    the serving signatures take any height and width; `image_size` is the HR training crop the discriminator
    judges. Outputs are clipped to [-1, 1] at inference (training sees the unclipped output, as the papers).

    A subclass sets `image_size`, `scale`, `channels`, `training_stage`, `init_weights`, builds `generator` and
    `discriminator`, and defines `pixel_loss` (per example) plus the GAN-stage hooks.
    """

    TASK = tasks.SUPER_RESOLUTION

    def make_optimizer(self, player, learning_rate=None):
        """Adam (`beta_1`, and `beta_2` where the family sets one) at `learning_rate`, multiplied by `lr_gamma` after
        each of `lr_milestones` updates (SRGAN's 1e-4 → 1e-5, ESRGAN's halvings)."""
        rate = learning_rate if learning_rate is not None else self.learning_rate
        if self.lr_milestones:
            rate = keras.optimizers.schedules.PiecewiseConstantDecay(
                [int(m) for m in self.lr_milestones],
                [float(rate) * self.lr_gamma**k for k in range(len(self.lr_milestones) + 1)])
        return keras.optimizers.Adam(rate, beta_1=self.beta_1, beta_2=getattr(self, "beta_2", None) or 0.999)

    @property
    def fixed_input_size(self) -> int:
        """The LR side of one training example (`image_size // scale`): TFLite's fixed input size."""
        return self.image_size // self.scale

    def _check_stage(self):
        if self.training_stage not in TRAINING_STAGES:
            raise ValueError(f"training_stage must be one of {TRAINING_STAGES}, got {self.training_stage!r}.")
        if self.image_size % self.scale:
            raise ValueError(f"image_size ({self.image_size}) must be a multiple of scale ({self.scale}).")

    def _load_init_weights(self):
        """`init_weights`: a `.weights.h5` of the same model (e.g. the PSNR stage) to start from."""
        if self.init_weights:
            import os

            if not os.path.isfile(self.init_weights):
                raise FileNotFoundError(
                    f"init_weights {self.init_weights!r} does not exist: give the .weights.h5 a PSNR-stage run of "
                    "the same architecture saved (its run folder's final weights), or remove init_weights."
                )
            self.load_weights(self.init_weights)
            # the weights are now the model's own: its config (a preset's, a .keras file's) must not need the file
            self.initialized_from, self.init_weights = self.init_weights, ""

    def train_step(self, data):
        """Staged training: the PSNR stage updates the generator alone on its pixel loss (no discriminator); the GAN
        stage is the shared adversarial step."""
        if self.training_stage == "gan":
            return super().train_step(data)
        batch = self.task.split_batch(self, data)

        def objective():
            fake = self.generator(batch["low_res"], training=True)
            loss = reduce_global_batch(self.pixel_loss(fake, batch["high_res"]))
            return loss, {"g_loss": loss, "g_pixel": loss}

        _, logs = self.update_player("generator", objective)
        self.track_logs(logs)
        return self.logs()

    def pixel_loss(self, fake, real):
        """Per-example pixel loss of the PSNR stage (MSE for SRResNet, L1 for RRDB-PSNR)."""
        raise NotImplementedError

    def call(self, inputs, training=False):
        out = self.inference_generator(inputs, training=training)
        return out if training else tf.clip_by_value(out, tf.cast(-1.0, out.dtype), tf.cast(1.0, out.dtype))

    def serving_example_inputs(self, endpoint, batch_size):
        """Warm-up / test inputs: LR images of the training size (uint8 for `upscale_uint8`)."""
        rng = np.random.default_rng(0)
        shape = (batch_size, self.fixed_input_size, self.fixed_input_size, self.channels)
        if endpoint == "upscale_uint8":
            return {"images": rng.integers(0, 256, shape).astype(np.uint8)}
        return {"images": rng.uniform(-1.0, 1.0, shape).astype(np.float32)}

    # ----------------------------------------------------------------------------------------- user API
    def upscale(self, images, tile: int | None = None, overlap: int = 8, batch_size: int = 8):
        """Upscales `[N, H, W, C]` (or one `[H, W, C]`) images by `scale`: float in [-1, 1] → float, uint8 → uint8.

        Args:
            tile: None: whole images. An int T: cut each LR image into T×T tiles, upscale each with `overlap` LR
                pixels of context around it (`batch_size` tiles at a time) and keep each tile's own output, so
                memory is bounded by the tile batch plus the output (a 1024² input with tile 128: a few hundred MB
                instead of the whole activation stack at 4096²).
            overlap: LR pixels of context per side; at least the generator's receptive radius for seamless output.
        """
        images = np.asarray(images)
        single = images.ndim == 3
        if single:
            images = images[None]
        if images.ndim != 4 or images.shape[-1] != self.channels:
            raise ValueError(f"upscale takes [N, H, W, {self.channels}] or [H, W, {self.channels}] images; got shape "
                             f"{images.shape if not single else images.shape[1:]}.")
        as_uint8 = images.dtype == np.uint8
        x = images.astype(np.float32) / 127.5 - 1.0 if as_uint8 else images.astype(np.float32)
        if tile is None:
            out = np.concatenate([self._run(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])
        else:
            if tile < 1 or overlap < 0:
                raise ValueError(f"tile must be >= 1 and overlap >= 0; got tile={tile}, overlap={overlap}.")
            out = np.stack([tiled_upscale(self._run, image, self.scale, int(tile), int(overlap), batch_size)
                            for image in x])
        if as_uint8:
            out = np.round((out + 1.0) * 127.5).clip(0, 255).astype(np.uint8)
        return out[0] if single else out

    def translate(self, images, batch_size: int = 8):
        """`upscale` under the image-input tasks' common name."""
        return self.upscale(images, batch_size=batch_size)

    def generate(self, num_images=None, seed=None, images=None, batch_size=8):
        """Task equivalent of `generate` for SR models: upscales `images`."""
        if images is None:
            raise ValueError(f"{type(self).__name__}.generate needs low-resolution `images` to upscale.")
        return self.upscale(images, batch_size=batch_size)

    def _run(self, x):
        """One batch through the (clipped) inference network → float32 numpy."""
        return tf.cast(self(tf.constant(x), training=False), tf.float32).numpy()

def tiled_upscale(fn, image, scale: int, tile: int, overlap: int, batch_size: int = 8) -> np.ndarray:
    """Upscales one `[H, W, C]` image by tiles: each `tile`² core is run through `fn` (`[n, h, w, C]` numpy →
    `[n, h·scale, w·scale, C]` numpy: a model, or a SavedModel signature) with `overlap` LR pixels of context on
    every side (less at the image border), and only the core's output is kept. With `overlap` at least the
    generator's receptive radius the result equals the untiled one; below it the seams show the tiles' zero
    padding (measured in tests/models/test_srgan.py). Memory: the output plus one batch of padded tiles."""
    h, w, c = image.shape
    s = int(scale)
    out = None
    groups = {}
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
            py0, px0 = max(0, y0 - overlap), max(0, x0 - overlap)
            py1, px1 = min(h, y1 + overlap), min(w, x1 + overlap)
            groups.setdefault((py1 - py0, px1 - px0), []).append((py0, px0, py1, px1, y0, x0, y1, x1))
    for boxes in groups.values():  # tiles of one padded shape run together
        for i in range(0, len(boxes), batch_size):
            chunk = boxes[i : i + batch_size]
            batch = np.stack([image[b[0] : b[2], b[1] : b[3]] for b in chunk])
            results = np.asarray(fn(batch))
            if out is None:
                out = np.zeros((h * s, w * s, c), results.dtype)
            for (py0, px0, _, _, y0, x0, y1, x1), result in zip(chunk, results):
                out[y0 * s : y1 * s, x0 * s : x1 * s] = result[(y0 - py0) * s : (y1 - py0) * s,
                                                               (x0 - px0) * s : (x1 - px0) * s]
    return out


def interpolate_models(psnr_model, gan_model, alpha: float):
    """Network interpolation (ESRGAN): a new model like `gan_model` whose generator weights are
    θ = (1 − α)·θ_PSNR + α·θ_GAN (α = 0: the PSNR model, 1: the GAN model). Both must have one architecture."""
    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}.")
    a, b = psnr_model.generator.get_weights(), gan_model.generator.get_weights()
    if [w.shape for w in a] != [w.shape for w in b]:
        raise ValueError("interpolate needs two models of one generator architecture (the same config but the "
                         "training stage); their generator weights differ in shape.")
    config = dict(gan_model.get_config())
    config["init_weights"] = ""
    model = type(gan_model).from_config(config)
    model.generator.set_weights([(1.0 - alpha) * x + alpha * y for x, y in zip(a, b)])
    return model


__all__ = ["SuperResolutionGAN", "TRAINING_STAGES", "interpolate_models"]
