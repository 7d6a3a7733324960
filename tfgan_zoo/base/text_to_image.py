"""Task base for text-to-image GANs (GAN-CLS, StackGAN): (noise, text embedding) → image, matching-aware D.

The generator player is a `TextConditionedGenerator`: the image network `(latents, embeddings) → images` and,
optionally, a frozen text encoder (`tfgan_zoo.layers.text_encoder`) so that one exported network serves plain
sentences. Each training step (`prepare_batch`) picks one caption embedding per example (uniformly among its K) and a
mismatched one: the caption picked for another example, the batch rolled by a random offset over the *global* batch
(the same pairs on one device and on N replicas). The discriminator objective has the three terms of Reed et al.'s
matching-aware discriminator:

    L_D = softplus(−D(x, t)) + ½ [softplus(D(x, t̂)) + softplus(D(G(z, t), t))]

(real image + its text; real image + mismatched text; fake image + its text), as GAN-CLS's Algorithm 1 and
StackGAN's official `compute_discriminator_loss`.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo import tasks
from tfgan_zoo.base.gan import BaseGAN
from tfgan_zoo.layers import text_encoder as te
from tfgan_zoo.layers.minibatch_discrimination import gather_global_batch
from tfgan_zoo.layers.random import consistent_random, replica_info


class TextConditionedGenerator(keras.Model):
    """The image network `(latents, embeddings) → images` with an optional frozen text encoder (`encode_text`):
    one player's variables, one exported network."""

    def __init__(self, image_generator, text_encoder=None, name="generator", **kwargs):
        super().__init__(name=name, **kwargs)
        self.image_generator = image_generator
        self.text_encoder = text_encoder
        self.built = True

    @property
    def max_length(self):
        return int(self.text_encoder.input_shape[1])

    def encode_text(self, sentences):
        """`[B]` `tf.string` sentences → embeddings `[B, D]` (tokenized in the graph)."""
        return tf.cast(self.text_encoder(te.tokenize(sentences, self.max_length), training=False), tf.float32)

    def call(self, inputs, training=False):
        return self.image_generator(list(inputs), training=training)


class TextToImageGAN(BaseGAN):
    """Base for text-to-image GANs. Subclasses set `image_size`, `channels`, `latent_dim`, `embedding_dim`,
    `text_encoder` (the name of a shipped text encoder, or ''), build `self.generator = TextConditionedGenerator(...)`
    (with `self.build_text_encoder()`) and `self.discriminator` (called on `[images, embeddings]`)."""

    TASK = tasks.TEXT_TO_IMAGE
    latent_distribution = "normal"
    loss_names = ("d_loss", "g_loss", "d_real", "d_wrong", "d_fake")
    #: weight of the real + mismatched-text term and of the fake term in the D objective (Reed et al.: ½ each).
    mismatch_weight = 0.5
    optimizer_params = BaseGAN.optimizer_params + ("lr_decay_steps",)

    def make_optimizer(self, player, learning_rate=None):
        """Adam from the constructor's settings; with `lr_decay_steps` > 0 the learning rate halves every that many
        updates (both papers halve it every 100 epochs)."""
        steps = int(getattr(self, "lr_decay_steps", 0) or 0)
        if steps and learning_rate is None:
            base = getattr(self, f"{player[0]}_learning_rate", None) if player in ("generator", "discriminator") \
                else None
            learning_rate = keras.optimizers.schedules.ExponentialDecay(
                self.learning_rate if base is None else base, steps, 0.5, staircase=True)
        return super().make_optimizer(player, learning_rate)

    def build_text_encoder(self):
        """The frozen shipped encoder named by `self.text_encoder` (None for ''), checked against `embedding_dim`."""
        if not self.text_encoder:
            return None
        encoder = te.build_shipped_text_encoder(self.text_encoder)
        dim = int(encoder.output_shape[-1])
        if dim != int(self.embedding_dim):
            raise ValueError(f"text_encoder {self.text_encoder!r} gives {dim}-d embeddings but embedding_dim is "
                             f"{self.embedding_dim}; set embedding_dim: {dim}.")
        return encoder

    # ------------------------------------------------------------------------------------------ the step
    def prepare_batch(self, batch):
        """Adds the step's caption embedding (`embedding`, one of each example's K) and a mismatched one
        (`wrong_embedding`, another example's), both drawn over the global batch."""
        embeddings = batch["embeddings"]
        size = tf.shape(embeddings)[0]
        k = tf.shape(embeddings)[1]
        pick = consistent_random("uniform", [size], self.seed_generator)
        index = tf.minimum(tf.cast(pick * tf.cast(k, tf.float32), tf.int32), k - 1)
        chosen = tf.gather(embeddings, index, batch_dims=1)
        n, rid = replica_info()
        full = gather_global_batch(chosen) if n > 1 else chosen
        total = tf.shape(full)[0]
        offset = tf.random.stateless_uniform([], seed=tf.cast(self.seed_generator.next(), tf.int32), minval=1,
                                             maxval=tf.maximum(total, 2), dtype=tf.int32)
        wrong = tf.roll(full, shift=offset, axis=0)
        if n > 1:
            wrong = wrong[rid * size:(rid + 1) * size]
        return {**batch, "embedding": chosen, "wrong_embedding": wrong}

    def condition(self, embedding):
        """What D is conditioned on for a caption embedding (the embedding; StackGAN: the CA mean μ, detached)."""
        return embedding

    def discriminate_with(self, images, embedding):
        """D's training-mode logits for images judged with a caption embedding: `[B]`, or `[cond [B], uncond [B]]`
        for a discriminator with an unconditional head too (StackGAN's Stage-II)."""
        out = self.discriminator([images, self.condition(embedding)], training=True)
        if isinstance(out, (list, tuple)):
            return [tf.reshape(tf.cast(o, tf.float32), [-1]) for o in out]
        return tf.reshape(tf.cast(out, tf.float32), [-1])

    def discriminate(self, images, batch):
        return self.discriminate_with(images, batch["embedding"])

    def discriminator_objective(self, batch, fake):
        """The matching-aware objective (module docstring), per example, reduced over the global batch. With an
        unconditional head too: (real + uncond real) / 2 + (fake + wrong + uncond fake) / 3, as StackGAN's code."""
        from tfgan_zoo.losses.reduction import reduce_global_batch

        real = batch["images"]
        right, wrong, faked = (self.discriminate_with(real, batch["embedding"]),
                               self.discriminate_with(real, batch["wrong_embedding"]),
                               self.discriminate_with(fake, batch["embedding"]))
        sp = tf.nn.softplus
        if isinstance(right, list):
            real_right = (sp(-right[0]) + sp(-right[1])) / 2.0
            real_wrong, fake_right = sp(wrong[0]), (sp(faked[0]) + sp(faked[1])) / 2.0
            per_example = real_right + (sp(faked[0]) + sp(wrong[0]) + sp(faked[1])) / 3.0
        else:
            real_right, real_wrong, fake_right = sp(-right), sp(wrong), sp(faked)
            per_example = real_right + self.mismatch_weight * (real_wrong + fake_right)
        loss = reduce_global_batch(per_example)
        logs = {"d_loss": loss, "d_real": reduce_global_batch(real_right), "d_wrong": reduce_global_batch(real_wrong),
                "d_fake": reduce_global_batch(fake_right)}
        return loss, logs

    def generator_loss(self, fake_outputs):
        if isinstance(fake_outputs, list):  # conditional + unconditional heads, summed as StackGAN's code
            return tf.add_n([tf.nn.softplus(-o) for o in fake_outputs])
        return tf.nn.softplus(-fake_outputs)

    # ------------------------------------------------------------------------------------------ user API
    @property
    def has_text_encoder(self):
        return self.generator.text_encoder is not None

    def encode_text(self, sentences) -> np.ndarray:
        """Embeddings `[N, embedding_dim]` of sentences by the model's text encoder."""
        if not self.has_text_encoder:
            raise ValueError(f"{type(self).__name__} was built without a text encoder (text_encoder=''): pass caption "
                             "embeddings [N, embedding_dim] instead of sentences, or build it with text_encoder="
                             f"{te.DIGIT_ENCODER!r}.")
        sentences = [sentences] if isinstance(sentences, str) else list(sentences)
        if not sentences or not all(isinstance(s, str) for s in sentences):
            raise ValueError(f"sentences must be a non-empty list of strings; got {sentences!r:.80}.")
        return self.generator.encode_text(tf.constant(sentences)).numpy()

    def _embeddings(self, text) -> np.ndarray:
        if isinstance(text, str) or (isinstance(text, (list, tuple)) and text and isinstance(text[0], str)):
            return self.encode_text(text)
        emb = np.asarray(text, np.float32)
        if emb.ndim == 1:
            emb = emb[None]
        if emb.ndim != 2 or emb.shape[1] != int(self.embedding_dim) or not len(emb):
            raise ValueError(f"text must be sentences or caption embeddings [N, {self.embedding_dim}]; got an array "
                             f"of shape {emb.shape}.")
        return emb

    def generate_from_text(self, text, seed=None, num_per_text=1, batch_size=64) -> np.ndarray:
        """Images `[N · num_per_text, H, W, C]` in [-1, 1] for sentences (a string or a list) or caption
        embeddings `[N, embedding_dim]`; image i·num_per_text + j is sample j of text i. The same seed gives the
        same images (the exported `generate_from_text` / `sample` signatures draw the same latents)."""
        emb = np.repeat(self._embeddings(text), int(num_per_text), axis=0)
        z = self.latents_for(len(emb), seed).numpy()
        g = self.inference_generator
        outs = [tf.cast(g([z[i:i + batch_size], emb[i:i + batch_size]], training=False), tf.float32).numpy()
                for i in range(0, len(emb), batch_size)]
        return np.concatenate(outs)

    def example_prompts(self, n):
        """`n` prompts cycling over the ten digits ("a thick seven", "a thin 2", ...), or None without a text
        encoder."""
        if not self.has_text_encoder:
            return None
        from tfgan_zoo.data.digit_captions import DIGIT_WORDS

        styles = ("a {}", "a thick {}", "a thin {}", "a slanted {}")
        return [styles[(i // 10) % len(styles)].format(DIGIT_WORDS[i % 10]) for i in range(n)]

    def generate(self, num_images, seed=None, embeddings=None):
        """`num_images` images from `embeddings` `[num_images, D]`, or (None) from the example prompts (random
        normal embeddings drawn from `seed` without a text encoder)."""
        if num_images <= 0:
            raise ValueError(f"num_images must be positive, got {num_images}.")
        if embeddings is None:
            prompts = self.example_prompts(num_images)
            if prompts is not None:
                return self.generate_from_text(prompts, seed=seed)
            rng = np.random.default_rng(None if seed is None else seed + 1)
            embeddings = rng.standard_normal((num_images, int(self.embedding_dim))).astype(np.float32)
        return self.generate_from_text(np.asarray(embeddings, np.float32), seed=seed)

    def serving_example_inputs(self, endpoint, batch_size):
        """Warm-up / test inputs of the string endpoint (the default zeros do not fit `tf.string`)."""
        if endpoint == "generate_from_text":
            prompts = self.example_prompts(batch_size) or ["a digit"] * batch_size
            return {"text": np.asarray(prompts, object), "seed": np.asarray(1, np.int32)}
        return None
