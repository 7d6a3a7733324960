"""Task base for multi-domain translators (StarGAN): one generator G(x, c) for every domain, where `c` is a float
label vector (multi-hot attributes and/or one-hot domains, one block per dataset, plus the mask vector when several
datasets are mixed).

The label layout is model state given by three arguments a subclass stores:

* `attribute_names`: the names of every label entry, dataset after dataset (CelebA's 5 attributes, then RaFD's 8
  expressions, ...);
* `dataset_sizes`: how many of those names each dataset has (`[5]`; `[5, 8]`);
* `dataset_kinds`: per dataset 'multi_label' (independent binary attributes: sigmoid cross-entropy) or 'one_hot'
  (exclusive domains: softmax cross-entropy).

With more than one dataset the label vector ends with the mask vector (one-hot over the datasets: which block of
the vector is known for this example; the classification losses ignore the other blocks). `label_dim` is the
length of the whole vector, `label_names` names every entry (the mask's entries are `mask:<index>`).

Training targets are the batch's own labels shuffled (as the official code: `label_org[randperm]`), within each
dataset, over the *global* batch (all-gathered and drawn from the same seed on every replica), so N replicas draw
the targets one device would.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo import tasks
from tfgan_zoo.base.gan import BaseGAN
from tfgan_zoo.layers.minibatch_discrimination import gather_global_batch
from tfgan_zoo.layers.random import replica_info

DATASET_KINDS = ("multi_label", "one_hot")
#: attributes of which at most one is on (the official test code's hair colours): `edit` setting one clears the others.
EXCLUSIVE_ATTRIBUTES = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair")


class MultiDomainTranslationGAN(BaseGAN):
    """Base for (image, target labels) → image translators. Subclasses store `image_size`, `channels`, give the
    label layout to `_set_label_layout(attribute_names, dataset_sizes, dataset_kinds)`, build `generator` (inputs
    `[images, labels]`) and `discriminator`, and supply `classify` (domain logits of images)."""

    TASK = tasks.MULTI_DOMAIN_TRANSLATION

    # ----------------------------------------------------------------------------------------- label layout
    def _set_label_layout(self, attribute_names, dataset_sizes, dataset_kinds):
        """Checks and keeps the label layout (a subclass stores its constructor arguments as given)."""
        names = [str(n) for n in attribute_names]
        if not names:
            raise ValueError("attribute_names must name at least one label (e.g. ['Black_Hair', 'Blond_Hair']).")
        if len(set(names)) != len(names):
            raise ValueError(f"attribute_names must be unique, got {names}.")
        sizes = [len(names)] if dataset_sizes is None else [int(s) for s in dataset_sizes]
        if any(s < 1 for s in sizes) or sum(sizes) != len(names):
            raise ValueError(f"dataset_sizes {sizes} must be positive and add up to len(attribute_names) = "
                             f"{len(names)} (one block of names per dataset).")
        kinds = ["multi_label"] * len(sizes) if dataset_kinds is None else [str(k) for k in dataset_kinds]
        if len(kinds) != len(sizes) or any(k not in DATASET_KINDS for k in kinds):
            raise ValueError(f"dataset_kinds must give one of {DATASET_KINDS} per dataset ({len(sizes)}), got {kinds}.")
        self._label_names = names
        self._label_sizes = sizes
        self._label_kinds = kinds

    @property
    def num_attributes(self) -> int:
        """Entries of the label vector the classifier predicts (without the mask vector)."""
        return sum(self._label_sizes)

    @property
    def num_datasets(self) -> int:
        return len(self._label_sizes)

    @property
    def label_dim(self) -> int:
        """Length of the label vector G takes: the attributes plus the mask vector when datasets are mixed."""
        return self.num_attributes + (self.num_datasets if self.num_datasets > 1 else 0)

    @property
    def label_names(self) -> list:
        mask = [f"mask:{i}" for i in range(self.num_datasets)] if self.num_datasets > 1 else []
        return list(self._label_names) + mask

    def _blocks(self):
        """(start, size, kind) of each dataset's block of the label vector."""
        out, start = [], 0
        for size, kind in zip(self._label_sizes, self._label_kinds):
            out.append((start, size, kind))
            start += size
        return out

    def dataset_mask(self, labels):
        """`[B, num_datasets]` float: which dataset each example's labels belong to (all ones for one dataset)."""
        labels = tf.cast(labels, tf.float32)
        if self.num_datasets == 1:
            return tf.ones_like(labels[:, :1])
        return labels[:, self.num_attributes:]

    # ----------------------------------------------------------------------------------------- training pieces
    def classification_loss(self, logits, labels):
        """Per-example domain classification loss of D_cls `logits` `[B, num_attributes]` against `labels`
        `[B, label_dim]`: per dataset, the sum of sigmoid cross-entropies ('multi_label') or the softmax
        cross-entropy ('one_hot'), counted only for the dataset the mask names."""
        logits = tf.cast(logits, tf.float32)
        labels = tf.cast(labels, tf.float32)
        mask = self.dataset_mask(labels)
        total = 0.0
        for k, (start, size, kind) in enumerate(self._blocks()):
            z, y = logits[:, start:start + size], labels[:, start:start + size]
            if kind == "multi_label":
                loss = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z), axis=1)
            else:
                loss = -tf.reduce_sum(y * tf.nn.log_softmax(z, axis=-1), axis=1)
            total = total + mask[:, k] * loss
        return total

    def sample_target_labels(self, labels):
        """Training targets: the batch's labels randomly permuted within each dataset, drawn over the global batch
        (the same on one device and on N replicas)."""
        labels = tf.cast(labels, tf.float32)
        n, rid = replica_info()
        local = tf.shape(labels)[0]
        full = gather_global_batch(labels)
        size = tf.shape(full)[0]
        group = tf.cast(tf.argmax(self.dataset_mask(full), axis=-1), tf.float32)
        seed = tf.cast(self.seed_generator.next(), tf.int32)
        draws = tf.random.stateless_uniform([size], seed=seed)
        position = tf.cast(tf.range(size), tf.float32) / tf.cast(size, tf.float32)
        shuffled = tf.argsort(group + draws, stable=True)  # a random order inside each dataset's group
        ordered = tf.argsort(group + position, stable=True)  # the examples of each group in batch order
        # the j-th example (in batch order) of a group takes the label of the j-th (in random order) of that group
        source = tf.scatter_nd(ordered[:, None], shuffled, [size])
        targets = tf.gather(full, source)
        if n > 1:
            targets = targets[rid * local:(rid + 1) * local]
        return targets

    # ----------------------------------------------------------------------------------------- user API
    def check_labels(self, labels, count=None):
        """Float labels `[N, label_dim]` (a single vector is repeated `count` times), checked."""
        labels = np.asarray(labels, np.float32)
        if labels.ndim == 1 and count is not None:
            labels = np.repeat(labels[None], count, axis=0)
        if labels.ndim != 2 or labels.shape[1] != self.label_dim or (count is not None and len(labels) != count):
            want = f"[{count if count is not None else 'N'}, {self.label_dim}]"
            raise ValueError(f"target labels must have shape {want} (or one vector of {self.label_dim}), one entry per "
                             f"name in {self.label_names}; got {labels.shape}.")
        return labels

    def random_labels(self, n, rng):
        """Random valid label vectors `[n, label_dim]` (random bits per multi-label block, one class per one-hot
        block, a random dataset under the mask vector)."""
        out = np.zeros((n, self.label_dim), np.float32)
        which = rng.integers(0, self.num_datasets, n)
        for k, (start, size, kind) in enumerate(self._blocks()):
            rows = np.flatnonzero(which == k)
            if kind == "multi_label":
                out[rows, start:start + size] = rng.integers(0, 2, (len(rows), size))
            else:
                out[rows, start + rng.integers(0, size, len(rows))] = 1.0
            if self.num_datasets > 1:
                out[rows, self.num_attributes + k] = 1.0
        return out

    def grid_targets(self):
        """Target label vectors of the sample grid: each label name alone (with its dataset's mask)."""
        targets = []
        for k, (start, size, _) in enumerate(self._blocks()):
            for i in range(size):
                t = np.zeros(self.label_dim, np.float32)
                t[start + i] = 1.0
                if self.num_datasets > 1:
                    t[self.num_attributes + k] = 1.0
                targets.append(t)
        return targets

    def _check_images(self, images):
        images = np.asarray(images, np.float32)
        expected = (self.image_size, self.image_size, self.channels)
        if images.ndim != 4 or images.shape[1:] != expected:
            raise ValueError(f"images must have shape [N, {', '.join(map(str, expected))}] in [-1, 1], got "
                             f"{images.shape}.")
        return images

    def translate(self, images, target_labels, batch_size=16):
        """Translates images in [-1, 1] `[N, H, W, C]` into the domains of `target_labels` (`[N, label_dim]`, or
        one vector for all); returns numpy `[N, H, W, C]`."""
        images = self._check_images(images)
        labels = self.check_labels(target_labels, len(images))
        g = self.inference_generator
        outs = [tf.cast(g([images[i:i + batch_size], labels[i:i + batch_size]], training=False), tf.float32).numpy()
                for i in range(0, len(images), batch_size)]
        return np.concatenate(outs, axis=0) if outs else np.zeros((0,) + images.shape[1:], np.float32)

    def generate(self, num_images=None, seed=None, images=None, labels=None, batch_size=16):
        """Task equivalent of `generate` for translators: translates `images` into `labels`."""
        if images is None or labels is None:
            raise ValueError(f"{type(self).__name__}.generate needs source `images` and target `labels`.")
        return self.translate(images, labels, batch_size)

    def estimate_labels(self, images, batch_size=16):
        """The labels the discriminator's domain classifier gives `images`: sigmoid > ½ per multi-label attribute,
        the arg-max of each one-hot block; with several datasets, the mask names the first dataset."""
        images = self._check_images(images)
        logits = np.concatenate([np.asarray(self.classify(images[i:i + batch_size]), np.float32)
                                 for i in range(0, len(images), batch_size)], axis=0)
        out = np.zeros((len(images), self.label_dim), np.float32)
        for start, size, kind in self._blocks():
            z = logits[:, start:start + size]
            if kind == "multi_label":
                out[:, start:start + size] = z > 0
            else:
                out[np.arange(len(z)), start + z.argmax(axis=1)] = 1.0
        if self.num_datasets > 1:
            out[:, self.num_attributes:] = 0.0
            out[:, self.num_attributes] = 1.0
            out[:, self._label_sizes[0]:self.num_attributes] = 0.0
        return out

    def classify(self, images):
        """Domain-classifier logits `[N, num_attributes]` of images (subclasses: their D_cls head)."""
        raise NotImplementedError

    def edit(self, images, set, labels=None, batch_size=16):  # noqa: A002 - `set=` is the documented keyword
        """Edits named attributes: `edit(images, set={"Blond_Hair": 1})` translates each image into its own labels
        with the named entries changed. `labels` (`[N, label_dim]`) are the images' labels; None estimates them with
        the discriminator's domain classifier (`estimate_labels`). Setting a name of a one-hot dataset to 1 clears
        the other names of that dataset, and setting a hair colour (`EXCLUSIVE_ATTRIBUTES`) clears the others, as the
        official test code; setting a name of another dataset than the image's moves the mask to it and clears the
        old dataset's block."""
        if not isinstance(set, dict) or not set:
            raise ValueError("set must be a non-empty dict {attribute name: 0 or 1}, e.g. {'Blond_Hair': 1}.")
        unknown = sorted(k for k in set if k not in self._label_names)
        if unknown:
            raise ValueError(f"Unknown attribute(s) {unknown}; this model's attributes are {self._label_names}.")
        images = self._check_images(images)
        labels = self.estimate_labels(images, batch_size) if labels is None else self.check_labels(labels, len(images))
        labels = labels.copy()
        blocks = self._blocks()
        for name, value in set.items():
            index = self._label_names.index(name)
            k = next(i for i, (s, n, _) in enumerate(blocks) if s <= index < s + n)
            start, size, kind = blocks[k]
            if self.num_datasets > 1:
                moved = labels[:, self.num_attributes + k] < 0.5
                for j, (s, n, _) in enumerate(blocks):
                    if j != k:
                        labels[moved, s:s + n] = 0.0
                labels[:, self.num_attributes:] = 0.0
                labels[:, self.num_attributes + k] = 1.0
            if kind == "one_hot" and float(value):
                labels[:, start:start + size] = 0.0
            elif name in EXCLUSIVE_ATTRIBUTES and float(value):  # one hair colour at a time, as the official code
                for other in EXCLUSIVE_ATTRIBUTES:
                    if other in self._label_names[start:start + size]:
                        labels[:, self._label_names.index(other)] = 0.0
            labels[:, index] = float(value)
        return self.translate(images, labels, batch_size)
