"""Task base for semantic image synthesis (pix2pixHD, GauGAN): int label map (+ instance map, + style) → image.

The generator and the multi-scale discriminator take the int maps and one-hot them (+ the instance boundary map)
inside (`tfgan_zoo.networks.semantic`). The objective both papers share lives here: the per-scale adversarial loss of
the family, the discriminator feature-matching loss (L1 between D's intermediate activations on the real and the
synthesized image, λ = 10) and the perceptual loss (`losses.perceptual.PerceptualLoss`, VGG19 relu1_1...relu5_1 with
weights 1/32...1, λ = 10; the shipped digits classifier offline). The generator objective is overridden (not the
step) because feature matching needs D's activations on the real batch too.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo import tasks
from tfgan_zoo.base.gan import BaseGAN, _reduce_with_penalty
from tfgan_zoo.losses.reduction import per_example_mean


class _Untracked:
    def __init__(self, loss):
        self.loss = loss


class SemanticSynthesisGAN(BaseGAN):
    """Base for label map → image models. Subclasses set `num_classes`, `image_size` (height), `aspect_ratio`
    (width / height), `channels`, `use_instances`, `fm_weight`, `perceptual_weight`, `perceptual_network`,
    `perceptual_weights_path`, build `generator` and `discriminator` and define the per-scale adversarial losses
    (`scale_discriminator_loss(real_logits, fake_logits)`, `scale_generator_loss(fake_logits)`, per example)."""

    TASK = tasks.SEMANTIC_SYNTHESIS
    loss_names = ("d_loss", "g_loss", "g_adversarial", "g_feature_matching", "g_perceptual")

    # ------------------------------------------------------------------------------------------- shapes and inputs
    @property
    def image_shape(self):
        """(height, width) of the images."""
        return int(self.image_size), int(round(self.image_size * self.aspect_ratio))

    def _check_shape(self):
        h, w = self.image_shape
        if self.num_classes < 2:
            raise ValueError(f"num_classes must be >= 2 (background + one class), got {self.num_classes}.")
        if self.channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {self.channels}.")
        if h < 8 or w < 8:
            raise ValueError(f"image_size must give images of at least 8×8 pixels, got {h}×{w}.")

    def check_label_map(self, value, key="labels"):
        """A label or instance map batch as int32 `[B, H, W]`, with a clear error otherwise (labels in range)."""
        name = type(self).__name__
        value = tf.convert_to_tensor(value)
        h, w = self.image_shape
        if value.shape.rank is not None and value.shape.rank == 4 and value.shape[-1] == 1:
            value = value[..., 0]
        if value.shape.rank is not None and (value.shape.rank != 3 or any(
                d is not None and d != e for d, e in zip(value.shape[1:], (h, w)))):
            raise ValueError(f"{name} takes int {key} maps [B, {h}, {w}] (one id per pixel); got shape {value.shape}."
                             + (" Pass class ids, not one-hot maps (argmax over the last axis)."
                                if value.shape.rank == 4 else ""))
        if value.dtype.is_floating:
            raise ValueError(f"{name} takes int {key} maps (class / instance ids); got {value.dtype.name}. "
                             "Cast with tf.cast(x, tf.int32) if the ids are whole numbers.")
        value = tf.cast(value, tf.int32)
        if key == "labels":
            message = f"{name} labels must be class ids in [0, {self.num_classes}) (num_classes={self.num_classes})"
            checks = [tf.debugging.assert_non_negative(value, message=message),
                      tf.debugging.assert_less(value, tf.constant(self.num_classes, tf.int32), message=message)]
            with tf.control_dependencies(checks):
                value = tf.identity(value)
        return value

    def label_inputs_from(self, batch):
        """[labels(, instances)] of a batch, as the networks take them."""
        return [batch["labels"]] + ([batch["instances"]] if self.use_instances else [])

    def generator_inputs_from(self, batch):
        """G's training inputs for a batch (families with a style input add it)."""
        return self.label_inputs_from(batch)

    def label_specs(self):
        h, w = self.image_shape
        specs = [tf.TensorSpec([None, h, w], tf.int32, name="labels")]
        if self.use_instances:
            specs.append(tf.TensorSpec([None, h, w], tf.int32, name="instances"))
        return specs

    def synthesis_specs(self):
        """The named inputs of `serving_default` / `synthesize`, in the generator's input order."""
        return self.label_specs()

    def extra_serving_signatures(self) -> dict:
        """Endpoints beyond `serving_default` / `synthesize` (a style encoder's)."""
        return {}

    def style_inputs(self, n, labels=None, instances=None, seed=0, **style):
        """{name: array} of the generator's style inputs for `n` examples of these maps (none by default); `style`
        are the family's style arguments of `synthesize`."""
        if style:
            raise TypeError(f"{type(self).__name__}.synthesize takes no style arguments; got {sorted(style)}.")
        return {}

    def example_scenes(self, n, seed=None) -> dict:
        """Held-out label maps to synthesize from: digit scenes (test split) when the model fits them (11 classes or
        more, square), else seeded random block maps. `{labels, instances[, images]}` numpy."""
        rng = np.random.default_rng(seed)
        h, w = self.image_shape
        if self.num_classes >= 11 and h == w and h >= 16:
            from tfgan_zoo.data.digit_scenes import load_digit_scenes

            scenes = load_digit_scenes(h, self.channels, "test")
            idx = rng.integers(len(scenes["labels"]), size=n)
            return {k: v[idx] for k, v in scenes.items()}
        block = max(1, h // 4)
        coarse = rng.integers(0, self.num_classes, (n, -(-h // block), -(-w // block)))
        labels = np.repeat(np.repeat(coarse, block, 1), block, 2)[:, :h, :w].astype(np.int32)
        inst = np.arange(coarse[0].size).reshape(coarse.shape[1:])
        instances = np.repeat(np.repeat(np.broadcast_to(inst, coarse.shape), block, 1), block, 2)[:, :h, :w]
        return {"labels": labels, "instances": instances.astype(np.int32),
                "images": np.zeros((n, h, w, self.channels), np.float32)}

    def example_synthesis_inputs(self, batch_size=2, seed=0) -> dict:
        """Valid named `serving_default` inputs (numpy) for `batch_size` examples."""
        scenes = self.example_scenes(batch_size, seed)
        named = {"labels": scenes["labels"]}
        if self.use_instances:
            named["instances"] = scenes["instances"]
        named.update(self.style_inputs(batch_size, named["labels"], named.get("instances"), seed=seed))
        return {s.name: np.asarray(named[s.name], s.dtype.as_numpy_dtype) for s in self.synthesis_specs()}

    def serving_example_inputs(self, endpoint, batch):
        """Export warm-up inputs: valid label maps (class ids in range)."""
        specs = dict(self.serving_signatures()).get(endpoint)
        if specs is None or [s.name for s in specs[1]] != [s.name for s in self.synthesis_specs()]:
            return None
        return self.example_synthesis_inputs(batch, seed=0)

    # ------------------------------------------------------------------------------------------- user API
    def _named_inputs(self, labels, instances, style):
        labels = np.asarray(labels)
        if labels.ndim == 2:
            labels = labels[None]
        h, w = self.image_shape
        if labels.ndim != 3 or labels.shape[1:] != (h, w):
            raise ValueError(f"labels must be an int label map [N, {h}, {w}] (or one [{h}, {w}]) of class ids in "
                             f"[0, {self.num_classes}); got shape {labels.shape}.")
        if np.issubdtype(labels.dtype, np.floating):
            raise ValueError(f"labels must hold int class ids; got {labels.dtype}.")
        if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
            raise ValueError(f"labels must be class ids in [0, {self.num_classes}); got values in "
                             f"[{labels.min()}, {labels.max()}].")
        named = {"labels": labels.astype(np.int32)}
        if self.use_instances:
            if instances is None:
                raise ValueError(f"{type(self).__name__} was built with use_instances=True: pass the instance map "
                                 f"[N, {h}, {w}] (one id per object; the labels themselves if objects never touch).")
            instances = np.asarray(instances)
            instances = instances[None] if instances.ndim == 2 else instances
            if instances.shape != labels.shape:
                raise ValueError(f"instances must have the labels' shape {labels.shape}; got {instances.shape}.")
            named["instances"] = instances.astype(np.int32)
        named.update(self.style_inputs(len(labels), named["labels"], named.get("instances"), **style))
        return named

    def synthesize(self, labels, instances=None, batch_size=16, **style):
        """Images in [-1, 1] `[N, H, W, C]` (numpy) from int label maps `[N, H, W]` (and instance maps where the model
        uses them); `style` are the family's style arguments (see its docstring)."""
        named = self._named_inputs(labels, instances, style)
        specs = self.synthesis_specs()
        n = len(named["labels"])
        net = self.inference_generator
        outs = [tf.cast(net([tf.constant(named[s.name][i : i + batch_size]) for s in specs], training=False),
                        tf.float32).numpy() for i in range(0, n, batch_size)]
        h, w = self.image_shape
        return np.concatenate(outs) if outs else np.zeros((0, h, w, self.channels), np.float32)

    def generate(self, num_images, seed=None, batch_size=16):
        """Syntheses of `num_images` seeded held-out label maps (`example_scenes`); the same seed gives the same
        images."""
        if num_images <= 0:
            raise ValueError(f"num_images must be positive, got {num_images}.")
        scenes = self.example_scenes(num_images, seed)
        return self.synthesize(scenes["labels"], scenes.get("instances"), batch_size=batch_size,
                               **self.default_style(num_images, seed))

    def default_style(self, n, seed):
        """Style arguments `generate` passes (seeded style latents where the family has them)."""
        return {}

    def colorize(self, labels):
        from tfgan_zoo.data.digit_scenes import colorize_labels

        return colorize_labels(labels, self.num_classes)

    # ------------------------------------------------------------------------------------------- objective
    def perceptual_loss(self):
        """The frozen perceptual network (None when `perceptual_weight` is 0)."""
        return self._perceptual.loss

    def _build_perceptual(self):
        """Builds the perceptual loss now, so a missing VGG19 file fails at construction with the fix."""
        self._perceptual = _Untracked(None)  # kept out of Keras' tracking: not a part of the model's weights
        if not self.perceptual_weight:
            return
        if self.perceptual_network not in ("vgg19", "digits"):
            raise ValueError(f"perceptual_network must be 'vgg19' (ImageNet weights from perceptual_weights_path) or "
                             f"'digits' (the shipped digits classifier, offline); got {self.perceptual_network!r}. "
                             "perceptual_weight: 0 turns the term off.")
        import keras

        from tfgan_zoo.losses.perceptual import PerceptualLoss

        # the frozen network computes in float32 under a mixed policy too (its kernels would be float16 otherwise,
        # while PerceptualLoss feeds it float32)
        policy = keras.config.dtype_policy()
        keras.config.set_dtype_policy("float32")
        try:
            self._perceptual.loss = PerceptualLoss.preset("pix2pixhd", network=self.perceptual_network,
                                                          weights_path=self.perceptual_weights_path or None)
        finally:
            keras.config.set_dtype_policy(policy)

    @staticmethod
    def _logits(outputs):
        return [scale[-1] for scale in outputs]

    def discriminator_loss(self, real_outputs, fake_outputs):
        return self.scale_discriminator_loss(self._logits(real_outputs), self._logits(fake_outputs))

    def generator_loss(self, fake_outputs):
        return self.scale_generator_loss(self._logits(fake_outputs))

    def feature_matching(self, real_outputs, fake_outputs):
        """Per-example Σ_scales Σ_layers w · mean|D_l(fake) - D_l(real)| over the intermediate activations (not the
        logits); `fm_layer_weight` gives w."""
        total = 0.0
        for real, fake in zip(real_outputs, fake_outputs):
            for r, f in zip(real[:-1], fake[:-1]):
                diff = tf.abs(tf.cast(f, tf.float32) - tf.stop_gradient(tf.cast(r, tf.float32)))
                total = total + self.fm_layer_weight(len(real_outputs), len(real) - 1) * per_example_mean(diff)
        return total

    def generate_fake(self, batch):
        return self.generator(self.generator_inputs(batch), training=True)

    def generator_objective(self, batch, inputs, fake=None):
        """LSGAN / hinge adversarial + λ_fm · feature matching + λ_vgg · perceptual (+ the family's `extra_g_terms`)."""
        if fake is None:  # G's inputs are drawn here, inside the tape: an encoder's output must carry gradients
            fake = self.generator(self.generator_inputs(batch), training=True)
        real = self.task.real_images(batch)
        fake_outputs = self.discriminate(fake, batch)
        real_outputs = self.discriminate(real, batch)
        adversarial = self.generator_loss(fake_outputs)
        parts, weighted = {}, 0.0
        if self.fm_weight:
            fm = self.feature_matching(real_outputs, fake_outputs)
            parts["g_feature_matching"] = fm
            weighted = weighted + self.fm_weight * fm
        perceptual = self.perceptual_loss()
        if perceptual is not None:
            p = perceptual(fake, real)
            parts["g_perceptual"] = p
            weighted = weighted + self.perceptual_weight * p
        for name, (weight, value) in self.extra_generator_terms(batch).items():
            parts[name] = value
            weighted = weighted + weight * value
        logs = {}
        penalty = (weighted, parts) if parts else None
        loss = _reduce_with_penalty(adversarial, penalty, logs, "g")
        loss = self._add_extra_terms("generator", loss, logs, batch, fake=fake)
        return loss, logs

    def extra_generator_terms(self, batch) -> dict:
        """{log name: (weight, per-example value)} added to G's loss (GauGAN's KL term)."""
        return {}

    def fm_layer_weight(self, num_d, num_layers):
        """The weight of one layer's L1 in the feature-matching sum (the family's official normalization)."""
        return 1.0 / num_d
