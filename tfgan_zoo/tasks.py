"""Tasks: what a GAN is trained on and how it is used. The one module that knows how tasks differ.

Every model class declares its task (`TASK = tasks.UNCONDITIONAL`, ...). The task states what a training batch
holds and validates it, splits it into named tensors, feeds the generator and the discriminator during the shared
adversarial step, gives the inference inputs, the default user API and serving signatures, the sample-grid layout
and which evaluation protocols apply. The trainer, data pipelines, callbacks, CLI, export, benchmarks and tests
ask `model.task`; they never compare task names.

Example:
    >>> from tfgan_zoo import tasks
    >>> tasks.get_task("conditional").batch_keys
    ('images', 'labels')
    >>> tasks.IMAGE_TO_IMAGE.user_api
    'translate'
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo.layers.random import latents_from_seed


class Task:
    """Base of the task objects. Tasks are stateless singletons; methods that need a model take it.

    Attributes:
        name: the task's registry name (`tfgan-zoo list --task NAME`).
        batch_keys: the named tensors a training batch holds, in dataset-element order.
        user_api: the model's main user method (`generate`, `translate`, ...).
        labels: inference takes class labels.
        image_input: the generator's inference input is an image (translation, super-resolution): int8 TFLite
            calibration and benchmarks need real source images.
        paired: training data are (source, target) image pairs.
        two_domain: training batches hold unpaired images of two domains, `a` and `b` (data sources give them).
        output_names: the image outputs of the `serving_default` signature; the first is what `model(...)` returns.
        evaluation_metrics: the metric kinds of `tfgan_zoo.evaluation` protocols that apply to the task's models
            (`evaluate()` samples the model; a protocol applies when its `metric` is listed).
    """

    name = ""
    description = ""
    batch_keys: tuple = ()
    user_api = "generate"
    labels = False
    image_input = False
    paired = False
    two_domain = False
    #: batches hold images with domain labels (multi-hot attribute vectors); inference takes images and target labels.
    multi_domain = False
    output_names: tuple = ("images",)
    evaluation_metrics: tuple = ()

    def __repr__(self):
        return f"<Task {self.name}>"

    def __str__(self):
        return self.name

    def __format__(self, spec):
        return format(self.name, spec)

    def resolve(self, model) -> Task:
        """The concrete task of one model instance (only optional-label tasks depend on the instance)."""
        return self

    def accepts(self, name: str) -> bool:
        """Whether `list_models(task=name)` lists models declaring this task."""
        return name == self.name

    # ----------------------------------------------------------------------------------------- batches
    def split_batch(self, model, data) -> dict:
        """A dataset element (tuple, dict or tensor) → `{key: tensor}` for `batch_keys`, validated and cast."""
        keys = self.batch_keys
        if isinstance(data, dict):
            missing = [k for k in keys if k not in data]
            if missing:
                raise ValueError(self._batch_error(model, f"a dict without {missing} (keys: {sorted(data)})"))
            values = [data[k] for k in keys]
        elif isinstance(data, (tuple, list)):
            if len(data) < len(keys):
                raise ValueError(self._batch_error(model, f"a tuple of {len(data)} tensor(s)"))
            values = list(data[: len(keys)])
        else:
            if len(keys) != 1:
                raise ValueError(self._batch_error(model, "a single tensor"))
            values = [data]
        return {k: self._cast(model, k, v) for k, v in zip(keys, values)}

    def _cast(self, model, key, value):
        name = type(model).__name__
        value = tf.convert_to_tensor(value)
        if key == "labels":
            return self._labels(model, value)
        shape = value.shape
        if shape.rank is not None and shape.rank != 4:
            raise ValueError(f"{name} trains on image batches [B, H, W, C] for {key!r}; got shape {shape}.")
        if not value.dtype.is_floating:
            raise ValueError(
                f"{name} trains on float images in [-1, 1] for {key!r}; got {value.dtype.name}. Scale integer "
                "pixels first, e.g. tf.cast(x, tf.float32) / 127.5 - 1 (the zoo's data sources do this)."
            )
        size = getattr(model, "image_size", None)
        channels = {"source": "in_channels", "target": "out_channels"}.get(key, "channels")
        expected = (size, size, getattr(model, channels, None))
        if shape.rank == 4 and any(e is not None and d is not None and d != e for d, e in zip(shape[1:], expected)):
            raise ValueError(
                f"{name} was built for {key} of shape [B, {expected[0]}, {expected[1]}, {expected[2]}] "
                f"(image_size, {channels}); the dataset yields {shape}. Set data.image_size/data.channels to match "
                "the model, or build the model for the data."
            )
        return tf.cast(value, model.compute_dtype)

    def _labels(self, model, labels):
        name = type(model).__name__
        shape = labels.shape
        if shape.rank is not None and (shape.rank > 2 or (shape.rank == 2 and shape[-1] not in (None, 1))):
            raise ValueError(
                f"{name} takes int class ids [B] as labels; got shape {shape} (one-hot?). Use "
                "tf.argmax(labels, axis=-1)."
            )
        labels = tf.reshape(tf.cast(labels, tf.int32), [-1])
        num_classes = getattr(model, "num_classes", None)
        if num_classes:
            message = f"{name} labels must be class ids in [0, {int(num_classes)}) (num_classes={int(num_classes)})"
            checks = [tf.debugging.assert_non_negative(labels, message=message),
                      tf.debugging.assert_less(labels, tf.constant(int(num_classes), tf.int32), message=message)]
            with tf.control_dependencies(checks):
                labels = tf.identity(labels)
        return labels

    def _batch_error(self, model, got):
        return (
            f"{type(model).__name__} ({self.name} task) trains on batches of {self._batch_phrase()}; the dataset "
            f"yields {got}. {self.data_hint}"
        )

    def _batch_phrase(self):
        return "(" + ", ".join(self.batch_keys) + ")" if len(self.batch_keys) > 1 else self.batch_keys[0]

    data_hint = ""

    def real_images(self, batch):
        """The images the discriminator sees as real."""
        return batch["images"]

    def generator_inputs(self, model, batch, size=None):
        """The generator's training inputs for a batch (fresh latents where the task draws them)."""
        raise NotImplementedError

    def discriminator_inputs(self, model, images, batch):
        """The discriminator's inputs for `images` (real or fake) of a batch."""
        return images

    # ----------------------------------------------------------------------------------------- inference
    def call_inputs(self, model, named: dict):
        """`model(...)` inputs from named arrays, as the `serving_default` signature names them."""
        raise NotImplementedError

    def example_inputs(self, model, batch_size: int = 2, seed: int = 0) -> dict:
        """Valid named inference inputs (the `serving_default` inputs) for `batch_size` examples."""
        raise NotImplementedError

    def serving_signatures(self, model) -> dict:
        """{endpoint: (fn, [tf.TensorSpec])}: the task's default endpoints over `model.inference_generator`."""
        raise NotImplementedError

    def sample(self, model, num_images: int, seed: int | None = None, labels=None, sources=None):
        """Images for a preview or the `sample` command: `[N, H, W, C]` in [-1, 1] (numpy)."""
        return model.generate(num_images, seed=seed)

    def synthetic_elements(self, model, n: int, image_size: int, channels: int, rng) -> tuple:
        """Uniform[-1, 1] training data of the task's element structure (benchmarks): a tuple of arrays."""
        return (rng.uniform(-1, 1, (n, image_size, image_size, channels)).astype("float32"),)

    def sample_grid(self, model, num_images: int, seed: int, pairs=None):
        """(images, ncols) of the training sample grid."""
        return self.sample(model, num_images, seed), None


def _as_labels(model, labels):
    if hasattr(model, "check_labels"):
        return model.check_labels(labels)
    return np.asarray(labels, np.int32)


class UnconditionalTask(Task):
    """Noise → image: batches of images; `generate(n, seed)`; serving `(latents)` and `sample(seed, num_images)`."""

    name = "unconditional"
    description = "noise → image"
    batch_keys = ("images",)
    evaluation_metrics = ("fid", "kid", "is", "pr", "dc", "swd", "coverage", "parzen")
    data_hint = "Use an image source (digits, skimage_faces, folder, a TFDS image set)."

    def split_batch(self, model, data):
        if isinstance(data, (tuple, list)):  # (images, labels) from a labelled source: the labels are ignored
            data = data[0]
        elif isinstance(data, dict) and "images" in data:
            data = data["images"]
        return super().split_batch(model, data)

    def generator_inputs(self, model, batch, size=None):
        size = tf.shape(batch["images"])[0] if size is None else size
        return model.sample_latents(size)

    def call_inputs(self, model, named):
        return tf.constant(named["latents"])

    def example_inputs(self, model, batch_size=2, seed=0):
        rng = np.random.default_rng(seed)
        return {"latents": _latents(rng, model, batch_size)}

    def serving_signatures(self, model):
        g = model.inference_generator
        dist = model.latent_distribution

        def serving_default(latents):
            return {"images": tf.cast(g(latents, training=False), tf.float32)}

        def sample(seed, num_images):
            z = latents_from_seed(seed, num_images, model.latent_dim, dist)
            return {"images": tf.cast(g(z, training=False), tf.float32), "latents": z}

        return {
            "serving_default": (serving_default, [tf.TensorSpec([None, model.latent_dim], tf.float32, name="latents")]),
            "sample": (sample, [tf.TensorSpec([], tf.int32, name="seed"),
                                tf.TensorSpec([], tf.int32, name="num_images")]),
        }


class ClassConditionalTask(Task):
    """(noise, class) → image: batches of (images, labels); `generate(n, seed, labels)`; serving
    `(latents, labels)` and `sample(seed, labels)`."""

    name = "conditional"
    description = "(noise, class label) → image"
    batch_keys = ("images", "labels")
    labels = True
    evaluation_metrics = UnconditionalTask.evaluation_metrics + ("class_accuracy",)
    data_hint = "Use a labelled source (digits, class subfolders, a TFDS set with labels)."

    def generator_inputs(self, model, batch, size=None):
        size = tf.shape(batch["images"])[0] if size is None else size
        return [model.sample_latents(size), batch["labels"]]

    def discriminator_inputs(self, model, images, batch):
        return [images, batch["labels"]]

    def call_inputs(self, model, named):
        return (tf.constant(named["latents"]), tf.constant(named["labels"]))

    def example_inputs(self, model, batch_size=2, seed=0):
        rng = np.random.default_rng(seed)
        return {"latents": _latents(rng, model, batch_size), "labels": model.example_labels(batch_size)}

    def serving_signatures(self, model):
        g = model.inference_generator
        dist = model.latent_distribution

        def serving_default(latents, labels):
            return {"images": tf.cast(g([latents, labels], training=False), tf.float32)}

        def sample(seed, labels):
            z = latents_from_seed(seed, tf.shape(labels)[0], model.latent_dim, dist)
            return {"images": tf.cast(g([z, labels], training=False), tf.float32), "latents": z}

        labels = model.label_spec()
        return {
            "serving_default": (
                serving_default, [tf.TensorSpec([None, model.latent_dim], tf.float32, name="latents"), labels]
            ),
            "sample": (sample, [tf.TensorSpec([], tf.int32, name="seed"), labels]),
        }

    def synthetic_elements(self, model, n, image_size, channels, rng):
        images = super().synthetic_elements(model, n, image_size, channels, rng)[0]
        return images, model.random_labels(n, rng)

    def sample(self, model, num_images, seed=None, labels=None, sources=None):
        if labels is not None:
            labels = _as_labels(model, labels)
            return model.generate(len(labels), seed=seed, labels=labels)
        return model.generate(num_images, seed=seed)


class OptionalClassConditionalTask(Task):
    """Class-conditional when the instance has `num_classes > 0`, unconditional otherwise (the SN-GAN / SAGAN /
    BigGAN lineage: the same architecture with or without a projection head). Every method defers to the
    instance's concrete task, so a model never switches task after it is built."""

    name = "conditional_optional"
    description = "(noise[, class label]) → image; num_classes=0 gives the unconditional model"

    def resolve(self, model):
        return CLASS_CONDITIONAL if int(getattr(model, "num_classes", 0) or 0) > 0 else UNCONDITIONAL

    def accepts(self, name):
        return name in (self.name, UNCONDITIONAL.name, CLASS_CONDITIONAL.name)


class ImageToImageTask(Task):
    """Paired source → target: batches of (source, target); `translate(images)`; serving `(images)`;
    the sample grid shows source | translation | target rows."""

    name = "image_to_image"
    description = "paired source image → target image"
    batch_keys = ("source", "target")
    user_api = "translate"
    image_input = True
    paired = True
    evaluation_metrics = ()  # sample-based protocols do not apply; compute outputs and call the metric functions
    data_hint = "Use a paired source (digits_edges, paired_folder)."

    def real_images(self, batch):
        return batch["target"]

    def generator_inputs(self, model, batch, size=None):
        return batch["source"]

    def discriminator_inputs(self, model, images, batch):
        return [batch["source"], images]

    def call_inputs(self, model, named):
        return tf.constant(named["images"])

    def example_inputs(self, model, batch_size=2, seed=0):
        rng = np.random.default_rng(seed)
        shape = (batch_size, model.image_size, model.image_size, model.in_channels)
        return {"images": rng.uniform(-1.0, 1.0, shape).astype(np.float32)}

    def serving_signatures(self, model):
        g = model.inference_generator

        def serving_default(images):
            return {"images": tf.cast(g(images, training=False), tf.float32)}

        spec = tf.TensorSpec([None, model.image_size, model.image_size, model.in_channels], tf.float32, name="images")
        return {"serving_default": (serving_default, [spec])}

    def synthetic_elements(self, model, n, image_size, channels, rng):
        source = rng.uniform(-1, 1, (n, image_size, image_size, model.in_channels)).astype("float32")
        return source, super().synthetic_elements(model, n, image_size, channels, rng)[0]

    def sample(self, model, num_images, seed=None, labels=None, sources=None):
        if sources is None:
            raise ValueError(f"{type(model).__name__} translates images: pass source images to sample from it.")
        return model.translate(np.asarray(sources)[:num_images])

    def sample_grid(self, model, num_images, seed, pairs=None):
        if pairs is None:
            raise ValueError("The image-to-image sample grid needs fixed (source, target) pairs.")
        src, tgt = pairs
        out = model.translate(src)
        rows = []
        for s, o, t in zip(src, out, tgt):
            rows += [s if s.shape[-1] == o.shape[-1] else np.repeat(s[..., :1], o.shape[-1], -1), o, t]
        return np.stack(rows), 6


class UnpairedTranslationTask(Task):
    """Domain A ↔ domain B from unpaired sets: batches of (a, b) drawn independently; `translate(images,
    direction)`; serving `translate_a_to_b` and `translate_b_to_a` (`serving_default` is a → b); the sample grid
    shows a | G(a) | F(G(a)) | b | F(b) | G(F(b)) rows (each image, its translation and its cycle reconstruction)."""

    name = "unpaired_translation"
    description = "image of domain A <-> image of domain B, learned from unpaired sets"
    batch_keys = ("a", "b")
    user_api = "translate"
    image_input = True
    two_domain = True
    directions = ("a_to_b", "b_to_a")
    evaluation_metrics = ()  # sample-based protocols do not apply: `tfgan_zoo.evaluation.translation` judges these
    data_hint = ("Use a two-domain source (digits_printed, unpaired_folder with trainA/ and trainB/, tfds "
                 "cycle_gan/NAME).")

    def real_images(self, batch):
        return batch["a"]

    def generator_inputs(self, model, batch, size=None):
        return batch

    def check_direction(self, model, direction):
        if direction not in self.directions:
            raise ValueError(
                f"{type(model).__name__} translates in the directions {self.directions}; got {direction!r}."
            )
        return direction

    def call_inputs(self, model, named):
        return tf.constant(named["images"])

    def example_inputs(self, model, batch_size=2, seed=0):
        rng = np.random.default_rng(seed)
        shape = (batch_size, model.image_size, model.image_size, model.channels)
        return {"images": rng.uniform(-1.0, 1.0, shape).astype(np.float32)}

    def serving_signatures(self, model):
        g = model.inference_generator
        spec = [tf.TensorSpec([None, model.image_size, model.image_size, model.channels], tf.float32, name="images")]

        def translate_a_to_b(images):
            return {"images": tf.cast(g.a_to_b(images, training=False), tf.float32)}

        def translate_b_to_a(images):
            return {"images": tf.cast(g.b_to_a(images, training=False), tf.float32)}

        return {"serving_default": (translate_a_to_b, spec), "translate_a_to_b": (translate_a_to_b, spec),
                "translate_b_to_a": (translate_b_to_a, spec)}

    def synthetic_elements(self, model, n, image_size, channels, rng):
        draw = lambda: rng.uniform(-1, 1, (n, image_size, image_size, channels)).astype("float32")  # noqa: E731
        return draw(), draw()

    def sample(self, model, num_images, seed=None, labels=None, sources=None, direction="a_to_b"):
        if sources is None:
            raise ValueError(f"{type(model).__name__} translates images: pass source images to sample from it.")
        return model.translate(np.asarray(sources)[:num_images], direction=direction)

    def sample_grid(self, model, num_images, seed, pairs=None):
        if pairs is None:
            raise ValueError("The two-domain sample grid needs fixed images of both domains (a, b).")
        a, b = (np.asarray(x)[: max(1, num_images // 2)] for x in pairs)
        ab = model.translate(a, direction="a_to_b")
        ba = model.translate(b, direction="b_to_a")
        aba = model.translate(ab, direction="b_to_a")
        bab = model.translate(ba, direction="a_to_b")
        rows = []
        for i in range(min(len(a), len(b))):
            rows += [a[i], ab[i], aba[i], b[i], ba[i], bab[i]]
        return np.stack(rows), 6


class PairGenerationTask(Task):
    """Noise → a pair of images, one per domain, learned from unpaired sets of each (CoGAN): batches of (a, b);
    `generate(n, seed)` returns `(images_a, images_b)`; `model(latents)` gives domain A; serving
    `serving_default(latents)` and `sample_pair(seed, num_images)` return both domains."""

    name = "pair_generation"
    description = "noise -> a pair of images of two domains, learned from unpaired sets"
    batch_keys = ("a", "b")
    two_domain = True
    output_names = ("images_a", "images_b")
    evaluation_metrics = ()  # `tfgan_zoo.evaluation.translation.pair_report` judges these
    data_hint = UnpairedTranslationTask.data_hint

    def real_images(self, batch):
        return batch["a"]

    def generator_inputs(self, model, batch, size=None):
        size = tf.shape(batch["a"])[0] if size is None else size
        return model.sample_latents(size)

    def call_inputs(self, model, named):
        return tf.constant(named["latents"])

    def example_inputs(self, model, batch_size=2, seed=0):
        return {"latents": _latents(np.random.default_rng(seed), model, batch_size)}

    def serving_signatures(self, model):
        g = model.inference_generator
        dist = model.latent_distribution

        def pair(z):
            a, b = g.pair(z, training=False)
            return {"images_a": tf.cast(a, tf.float32), "images_b": tf.cast(b, tf.float32)}

        def serving_default(latents):
            return pair(latents)

        def sample_pair(seed, num_images):
            z = latents_from_seed(seed, num_images, model.latent_dim, dist)
            return {**pair(z), "latents": z}

        return {
            "serving_default": (serving_default, [tf.TensorSpec([None, model.latent_dim], tf.float32, name="latents")]),
            "sample_pair": (sample_pair, [tf.TensorSpec([], tf.int32, name="seed"),
                                          tf.TensorSpec([], tf.int32, name="num_images")]),
        }

    def synthetic_elements(self, model, n, image_size, channels, rng):
        return UNPAIRED_TRANSLATION.synthetic_elements(model, n, image_size, channels, rng)

    def sample(self, model, num_images, seed=None, labels=None, sources=None):
        a, b = model.generate(num_images, seed=seed)
        return np.concatenate([a, b], axis=0)

    def sample_grid(self, model, num_images, seed, pairs=None):
        a, b = model.generate(max(1, num_images // 2), seed=seed)
        return np.stack([x for ab in zip(a, b) for x in ab]), 2


class MultiDomainTranslationTask(Task):
    """One translator for many domains (StarGAN): batches of (images, labels) where `labels` are float domain labels
    `[B, model.label_dim]` (multi-hot attribute vectors or one-hot domains, plus the mask vector when several datasets
    are mixed); `translate(images, target_labels)` and `edit(images, set={name: value})`; serving
    `serving_default(images, target_labels)`; the sample grid shows each source image and its translation into
    each of the model's `grid_targets`."""

    name = "multi_domain_translation"
    description = "(image, target domain labels) -> image of the target domains, one model for many domains"
    batch_keys = ("images", "labels")
    user_api = "translate"
    image_input = True
    multi_domain = True
    evaluation_metrics = ()  # sample-based protocols do not apply: `tfgan_zoo.evaluation.multi_domain` judges these
    data_hint = ("Use a multi-domain source (digits_attributes; tfds celeb_a with data.attributes; celeba_rafd with "
                 "data.path at RaFD's class folders).")

    def _labels(self, model, labels):
        name = type(model).__name__
        dim = int(model.label_dim)
        shape = labels.shape
        if shape.rank is not None and (shape.rank != 2 or (shape[-1] is not None and shape[-1] != dim)):
            raise ValueError(
                f"{name} takes float domain labels [B, {dim}] (label_dim: {model.label_names}); got shape {shape}. "
                "Give multi-hot / one-hot vectors (and the mask vector when several datasets are mixed)."
            )
        return tf.cast(labels, tf.float32)

    def generator_inputs(self, model, batch, size=None):
        return [batch["images"], model.sample_target_labels(batch["labels"])]

    def call_inputs(self, model, named):
        return (tf.constant(named["images"]), tf.constant(named["target_labels"]))

    def example_inputs(self, model, batch_size=2, seed=0):
        rng = np.random.default_rng(seed)
        shape = (batch_size, model.image_size, model.image_size, model.channels)
        return {"images": rng.uniform(-1.0, 1.0, shape).astype(np.float32),
                "target_labels": model.random_labels(batch_size, rng)}

    def serving_signatures(self, model):
        g = model.inference_generator
        specs = [tf.TensorSpec([None, model.image_size, model.image_size, model.channels], tf.float32, name="images"),
                 tf.TensorSpec([None, model.label_dim], tf.float32, name="target_labels")]

        def serving_default(images, target_labels):
            return {"images": tf.cast(g([images, target_labels], training=False), tf.float32)}

        return {"serving_default": (serving_default, specs)}

    def synthetic_elements(self, model, n, image_size, channels, rng):
        images = rng.uniform(-1, 1, (n, image_size, image_size, channels)).astype("float32")
        return images, model.random_labels(n, rng)

    def sample(self, model, num_images, seed=None, labels=None, sources=None):
        if sources is None:
            raise ValueError(f"{type(model).__name__} translates images: pass source images to sample from it.")
        sources = np.asarray(sources)[:num_images]
        if labels is None:
            labels = model.random_labels(len(sources), np.random.default_rng(seed))
        return model.translate(sources, labels)

    def sample_grid(self, model, num_images, seed, pairs=None):
        if pairs is None:
            raise ValueError("The multi-domain sample grid needs fixed (images, labels) of the training data.")
        images = np.asarray(pairs[0])[: max(1, num_images)]
        targets = model.grid_targets()
        outs = [model.translate(images, np.repeat(t[None], len(images), axis=0)) for t in targets]
        rows = []
        for i in range(len(images)):
            rows += [images[i]] + [o[i] for o in outs]
        return np.stack(rows), 1 + len(targets)


def _latents(rng, model, n):
    if getattr(model, "latent_distribution", "normal") == "uniform":
        return rng.uniform(-1.0, 1.0, (n, model.latent_dim)).astype(np.float32)
    return rng.standard_normal((n, model.latent_dim)).astype(np.float32)


UNCONDITIONAL = UnconditionalTask()
CLASS_CONDITIONAL = ClassConditionalTask()
OPTIONAL_CLASS_CONDITIONAL = OptionalClassConditionalTask()
IMAGE_TO_IMAGE = ImageToImageTask()
UNPAIRED_TRANSLATION = UnpairedTranslationTask()
PAIR_GENERATION = PairGenerationTask()
MULTI_DOMAIN_TRANSLATION = MultiDomainTranslationTask()

#: every task by name. Level 3 adds unpaired two-domain, multi-domain, few-shot, super-resolution, semantic label
#: maps and text here as subclasses of `Task`.
TASKS: dict[str, Task] = {t.name: t for t in (UNCONDITIONAL, CLASS_CONDITIONAL, OPTIONAL_CLASS_CONDITIONAL,
                                              IMAGE_TO_IMAGE, UNPAIRED_TRANSLATION, PAIR_GENERATION,
                                              MULTI_DOMAIN_TRANSLATION)}


def get_task(task) -> Task:
    """A `Task` from itself or its name; unknown names raise with the valid ones."""
    if isinstance(task, Task):
        return task
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; expected one of {sorted(TASKS)}.")
    return TASKS[task]


class FewShotTranslationTask(Task):
    """A content image + K ≥ 1 images of a class → the content rendered in that class, for classes never seen in
    training too (FUNIT): batches of (content, content_labels, class_images [B, K, H, W, C], class_labels) — the
    labels index the training classes, which the discriminator judges one output each; `translate(content_images,
    class_images)`; serving `serving_default(content_images, class_images)`; the sample grid shows content | class
    image(s) | translation rows."""

    name = "few_shot_translation"
    description = "content image + K images of a (possibly unseen) class -> the content in that class"
    batch_keys = ("content", "content_labels", "class_images", "class_labels")
    user_api = "translate"
    few_shot = True
    output_names = ("images",)
    evaluation_metrics = ()  # `tfgan_zoo.evaluation.few_shot` judges these
    data_hint = "Use a few-shot source (typeface_digits: the classes are typefaces, some held out as unseen)."
    #: class images per example of `example_inputs` (any K ≥ 1 works).
    example_shots = 2

    def _cast(self, model, key, value):
        if key.endswith("labels"):
            return self._labels(model, tf.convert_to_tensor(value))
        if key != "class_images":
            return super()._cast(model, key, value)
        value = tf.convert_to_tensor(value)
        name = type(model).__name__
        shape = value.shape
        expected = (model.image_size, model.image_size, model.channels)
        if shape.rank is not None and (shape.rank != 5 or any(d is not None and d != e
                                                               for d, e in zip(shape[2:], expected))):
            raise ValueError(
                f"{name} trains on class images [B, K, {expected[0]}, {expected[1]}, {expected[2]}] (K images of "
                f"one class per example); got shape {shape}. Stack each example's K class images on axis 1."
            )
        if not value.dtype.is_floating:
            raise ValueError(f"{name} trains on float images in [-1, 1] for 'class_images'; got {value.dtype.name}.")
        return tf.cast(value, model.compute_dtype)

    def real_images(self, batch):
        return batch["content"]

    def generator_inputs(self, model, batch, size=None):
        return (batch["content"], batch["class_images"])

    def call_inputs(self, model, named):
        return (tf.constant(named["content_images"]), tf.constant(named["class_images"]))

    def example_inputs(self, model, batch_size=2, seed=0):
        rng = np.random.default_rng(seed)
        shape = (model.image_size, model.image_size, model.channels)
        return {"content_images": rng.uniform(-1.0, 1.0, (batch_size,) + shape).astype(np.float32),
                "class_images": rng.uniform(-1.0, 1.0, (batch_size, self.example_shots) + shape).astype(np.float32)}

    def serving_signatures(self, model):
        g = model.inference_generator
        size, channels = model.image_size, model.channels

        def serving_default(content_images, class_images):
            return {"images": tf.cast(g((content_images, class_images), training=False), tf.float32)}

        specs = [tf.TensorSpec([None, size, size, channels], tf.float32, name="content_images"),
                 tf.TensorSpec([None, None, size, size, channels], tf.float32, name="class_images")]
        return {"serving_default": (serving_default, specs)}

    def synthetic_elements(self, model, n, image_size, channels, rng):
        shape = (image_size, image_size, channels)
        labels = lambda: rng.integers(0, model.num_classes, n).astype("int32")  # noqa: E731
        return (rng.uniform(-1, 1, (n,) + shape).astype("float32"), labels(),
                rng.uniform(-1, 1, (n, 1) + shape).astype("float32"), labels())

    def sample(self, model, num_images, seed=None, labels=None, sources=None):
        return model.generate(num_images, seed=seed)

    def sample_grid(self, model, num_images, seed, pairs=None):
        content, class_images = model.example_translation_inputs(max(1, num_images // 2), seed=seed)
        out = model.translate(content, class_images)
        rows = []
        for c, k, o in zip(content, class_images, out):
            rows += [c, *k, o]
        return np.stack(rows), 2 + class_images.shape[1]


FEW_SHOT_TRANSLATION = FewShotTranslationTask()
TASKS[FEW_SHOT_TRANSLATION.name] = FEW_SHOT_TRANSLATION


class SuperResolutionTask(Task):
    """Low-resolution → high-resolution (SRGAN, ESRGAN): batches of (low_res, high_res) with high_res `scale` times
    larger; `upscale(images, tile=None)`; serving `serving_default(images)` and `upscale(images)` (float [-1, 1])
    and `upscale_uint8(images)` (uint8 [0, 255] → uint8), all with dynamic height and width (the generator is fully
    convolutional); TFLite at the model's fixed LR size (`fixed_input_size`). The sample grid shows
    bicubic | upscaled | high_res rows. The discriminator sees high-resolution images only."""

    name = "super_resolution"
    description = "low-resolution image -> image `scale` times larger"
    batch_keys = ("low_res", "high_res")
    user_api = "upscale"
    image_input = True
    super_resolution = True
    output_names = ("images",)
    evaluation_metrics = ()  # the `sr_photos` protocol (tfgan_zoo.evaluation.super_resolution) judges these
    data_hint = "Use a super-resolution source (photos, hr_folder, tfds div2k) with data.scale = the model's scale."

    def _cast(self, model, key, value):
        value = tf.convert_to_tensor(value)
        name = type(model).__name__
        shape = value.shape
        if not value.dtype.is_floating:
            raise ValueError(f"{name} trains on float images in [-1, 1] for {key!r}; got {value.dtype.name}.")
        size = model.image_size if key == "high_res" else model.image_size // model.scale
        expected = (size, size, model.channels)
        if shape.rank is not None and (shape.rank != 4 or any(d is not None and d != e
                                                               for d, e in zip(shape[1:], expected))):
            raise ValueError(
                f"{name} (x{model.scale}, image_size {model.image_size}) trains on {key} of shape [B, {size}, {size}, "
                f"{model.channels}]; got {shape}. Set data.image_size to the model's image_size (the HR crop) and "
                f"data.scale to its scale ({model.scale})."
            )
        return tf.cast(value, model.compute_dtype)

    def real_images(self, batch):
        return batch["high_res"]

    def generator_inputs(self, model, batch, size=None):
        return batch["low_res"]

    def call_inputs(self, model, named):
        return tf.constant(named["images"])

    def example_inputs(self, model, batch_size=2, seed=0):
        rng = np.random.default_rng(seed)
        size = model.fixed_input_size
        return {"images": rng.uniform(-1.0, 1.0, (batch_size, size, size, model.channels)).astype(np.float32)}

    def serving_signatures(self, model):
        g = model.inference_generator
        channels = model.channels

        def upscale(images):
            return {"images": tf.clip_by_value(tf.cast(g(images, training=False), tf.float32), -1.0, 1.0)}

        def upscale_uint8(images):
            x = tf.cast(images, tf.float32) / 127.5 - 1.0
            y = tf.clip_by_value(tf.cast(g(x, training=False), tf.float32), -1.0, 1.0)
            return {"images_uint8": tf.cast(tf.round((y + 1.0) * 127.5), tf.uint8)}

        spec = tf.TensorSpec([None, None, None, channels], tf.float32, name="images")
        spec_uint8 = tf.TensorSpec([None, None, None, channels], tf.uint8, name="images")
        return {"serving_default": (upscale, [spec]), "upscale": (upscale, [spec]),
                "upscale_uint8": (upscale_uint8, [spec_uint8])}

    def synthetic_elements(self, model, n, image_size, channels, rng):
        low = image_size // model.scale
        return (rng.uniform(-1, 1, (n, low, low, channels)).astype("float32"),
                rng.uniform(-1, 1, (n, image_size, image_size, channels)).astype("float32"))

    def sample(self, model, num_images, seed=None, labels=None, sources=None):
        if sources is None:
            raise ValueError(f"{type(model).__name__} upscales images: pass low-resolution images to sample from it.")
        return model.upscale(np.asarray(sources)[:num_images])

    def sample_grid(self, model, num_images, seed, pairs=None):
        if pairs is None:
            raise ValueError("The super-resolution sample grid needs fixed (low_res, high_res) pairs.")
        low, high = pairs
        out = model.upscale(low)
        size = high.shape[1:3]
        bicubic = np.clip(tf.image.resize(low, size, method="bicubic").numpy(), -1, 1)
        rows = []
        for b, o, h in zip(bicubic, out, high):
            rows += [b, o, h]
        return np.stack(rows), 6


SUPER_RESOLUTION = SuperResolutionTask()
TASKS[SUPER_RESOLUTION.name] = SUPER_RESOLUTION


class SemanticSynthesisTask(Task):
    """Semantic label map (+ instance map, + a style input where the model has one) → image (pix2pixHD, GauGAN):
    batches of dicts `{labels [B, H, W] int, instances [B, H, W] int, images [B, H, W, C]}`; the model one-hots the
    labels and computes the instance boundary map inside its networks; `synthesize(labels, instances=None, ...)`;
    serving `serving_default` and `synthesize` over the int maps (+ the model's style inputs: `model.synthesis_specs`);
    the sample grid shows colourised label map | synthesis | real image rows of held-out digit scenes."""

    name = "semantic_synthesis"
    description = "semantic label map (+ instance map, + style) -> image"
    batch_keys = ("labels", "instances", "images")
    user_api = "synthesize"
    semantic = True
    output_names = ("images",)
    evaluation_metrics = ()  # `tfgan_zoo.evaluation.semantic` segments the syntheses (mIoU, pixel accuracy)
    data_hint = ("Use a semantic source (digit_scenes; cityscapes or ade20k with data.path at the official "
                 "folder layout).")

    def _cast(self, model, key, value):
        if key == "images":
            value = tf.convert_to_tensor(value)
            name = type(model).__name__
            expected = tuple(model.image_shape) + (model.channels,)
            if value.shape.rank is not None and (value.shape.rank != 4 or any(
                    d is not None and d != e for d, e in zip(value.shape[1:], expected))):
                raise ValueError(f"{name} trains on images [B, {expected[0]}, {expected[1]}, {expected[2]}] in "
                                 f"[-1, 1]; got shape {value.shape}. Set data.image_size/channels to match the model.")
            if not value.dtype.is_floating:
                raise ValueError(f"{name} trains on float images in [-1, 1]; got {value.dtype.name}.")
            return tf.cast(value, model.compute_dtype)
        return model.check_label_map(value, key)

    def generator_inputs(self, model, batch, size=None):
        return model.generator_inputs_from(batch)

    def discriminator_inputs(self, model, images, batch):
        return model.label_inputs_from(batch) + [images]

    def call_inputs(self, model, named):
        return [tf.constant(named[spec.name]) for spec in model.synthesis_specs()]

    def example_inputs(self, model, batch_size=2, seed=0):
        return model.example_synthesis_inputs(batch_size, seed)

    def serving_signatures(self, model):
        g = model.inference_generator
        specs = model.synthesis_specs()

        def synthesize(*args):
            return {"images": tf.cast(g(list(args), training=False), tf.float32)}

        signatures = {"serving_default": (synthesize, specs), "synthesize": (synthesize, specs)}
        signatures.update(model.extra_serving_signatures())
        return signatures

    def synthetic_elements(self, model, n, image_size, channels, rng):
        h, w = model.image_shape
        labels = rng.integers(0, model.num_classes, (n, h, w)).astype("int32")
        return {"labels": labels, "instances": labels.copy(),
                "images": rng.uniform(-1, 1, (n, h, w, channels)).astype("float32")}

    def sample(self, model, num_images, seed=None, labels=None, sources=None):
        return model.generate(num_images, seed=seed)

    def sample_grid(self, model, num_images, seed, pairs=None):
        scenes = model.example_scenes(max(1, num_images // 3), seed=seed)
        out = model.synthesize(scenes["labels"], scenes.get("instances"))
        colour = model.colorize(scenes["labels"])
        rows = []
        for c, o, r in zip(colour, out, scenes["images"]):
            rows += [c if o.shape[-1] == 3 else c.mean(-1, keepdims=True), o, r]
        return np.stack(rows), 6


SEMANTIC_SYNTHESIS = SemanticSynthesisTask()
TASKS[SEMANTIC_SYNTHESIS.name] = SEMANTIC_SYNTHESIS


class TextToImageTask(Task):
    """(noise, text) → image (GAN-CLS, StackGAN): batches of (images, embeddings) where `embeddings` are the caption
    embeddings of each image, `[B, K, D]` (K ≥ 1 captions; `[B, D]` reads as K = 1); the model picks one caption per
    example and a mismatched one from another example for its matching-aware discriminator. User API
    `generate_from_text(sentences or embeddings, seed=...)`; serving `serving_default(latents, embeddings)`,
    `sample(seed, embeddings)` and, with a text encoder inside the model, `generate_from_text(text, seed)` on plain
    `tf.string` sentences."""

    name = "text_to_image"
    description = "(noise, sentence or text embedding) -> image"
    batch_keys = ("images", "embeddings")
    user_api = "generate_from_text"
    #: batches hold caption embeddings; inference takes text.
    text = True
    evaluation_metrics = ()  # `tfgan_zoo.evaluation.text_to_image` judges these
    data_hint = ("Use a text source (digit_captions; text_embeddings with data.path at images.npy and embeddings.npy "
                 "or the official char-CNN-RNN-embeddings.pickle).")

    def _cast(self, model, key, value):
        if key != "embeddings":
            return super()._cast(model, key, value)
        value = tf.convert_to_tensor(value)
        name, dim = type(model).__name__, int(model.embedding_dim)
        if value.shape.rank == 2:
            value = value[:, None, :]
        if value.shape.rank != 3 or (value.shape[-1] is not None and value.shape[-1] != dim):
            raise ValueError(f"{name} trains on caption embeddings [B, K, {dim}] (embedding_dim={dim}); got shape "
                             f"{value.shape}. Encode captions with the model's text encoder or set embedding_dim.")
        if not value.dtype.is_floating:
            raise ValueError(f"{name} trains on float caption embeddings; got {value.dtype.name}.")
        return tf.cast(value, tf.float32)

    def generator_inputs(self, model, batch, size=None):
        size = tf.shape(batch["images"])[0] if size is None else size
        return [model.sample_latents(size), batch["embedding"]]

    def discriminator_inputs(self, model, images, batch):
        return [images, batch["embedding"]]

    def call_inputs(self, model, named):
        return (tf.constant(named["latents"]), tf.constant(named["embeddings"]))

    def example_inputs(self, model, batch_size=2, seed=0):
        rng = np.random.default_rng(seed)
        return {"latents": _latents(rng, model, batch_size),
                "embeddings": rng.standard_normal((batch_size, model.embedding_dim)).astype(np.float32)}

    def serving_signatures(self, model):
        g = model.inference_generator
        dist = model.latent_distribution
        specs = [tf.TensorSpec([None, model.latent_dim], tf.float32, name="latents"),
                 tf.TensorSpec([None, model.embedding_dim], tf.float32, name="embeddings")]

        def serving_default(latents, embeddings):
            return {"images": tf.cast(g([latents, embeddings], training=False), tf.float32)}

        def sample(seed, embeddings):
            z = latents_from_seed(seed, tf.shape(embeddings)[0], model.latent_dim, dist)
            return {"images": tf.cast(g([z, embeddings], training=False), tf.float32), "latents": z}

        signatures = {"serving_default": (serving_default, specs),
                      "sample": (sample, [tf.TensorSpec([], tf.int32, name="seed"), specs[1]])}
        if g.text_encoder is not None:

            def generate_from_text(text, seed):
                embeddings = g.encode_text(text)
                z = latents_from_seed(seed, tf.shape(embeddings)[0], model.latent_dim, dist)
                return {"images": tf.cast(g([z, embeddings], training=False), tf.float32), "embeddings": embeddings,
                        "latents": z}

            signatures["generate_from_text"] = (generate_from_text, [tf.TensorSpec([None], tf.string, name="text"),
                                                                     tf.TensorSpec([], tf.int32, name="seed")])
        return signatures

    def synthetic_elements(self, model, n, image_size, channels, rng):
        images = rng.uniform(-1, 1, (n, image_size, image_size, channels)).astype("float32")
        return images, rng.standard_normal((n, 2, model.embedding_dim)).astype("float32")

    def sample(self, model, num_images, seed=None, labels=None, sources=None, text=None):
        if text is not None:
            return model.generate_from_text(text, seed=seed, num_per_text=max(1, num_images // max(1, len(
                [text] if isinstance(text, str) else text))))
        return model.generate(num_images, seed=seed)

    def sample_grid(self, model, num_images, seed, pairs=None):
        prompts = model.example_prompts(max(1, num_images))  # None without a text encoder
        if prompts is None:
            return model.generate(max(1, num_images), seed=seed), None
        return model.generate_from_text(prompts, seed=seed), None


TEXT_TO_IMAGE = TextToImageTask()
TASKS[TEXT_TO_IMAGE.name] = TEXT_TO_IMAGE
