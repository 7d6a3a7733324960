"""InfoGAN: a GAN whose latent codes are made informative by a variational mutual-information bound."""

import numpy as np
import tensorflow as tf

from tfgan_zoo.base.unconditional import UnconditionalGAN
from tfgan_zoo.layers.random import consistent_random
from tfgan_zoo.losses.adversarial import minimax_discriminator_loss, non_saturating_generator_loss
from tfgan_zoo.losses.information import (
    categorical_entropy,
    categorical_information_loss,
    gaussian_information_loss,
)
from tfgan_zoo.losses.reduction import reduce_global_batch
from tfgan_zoo.models.infogan import infogan_networks
from tfgan_zoo.registry import register_model


def assemble_latents(noise, categorical_ids, continuous, categorical_codes):
    """[z, one_hot(c_1), ..., one_hot(c_k), c_continuous]: G's input vector."""
    parts = [tf.cast(noise, tf.float32)]
    for k, n in enumerate(categorical_codes):
        parts.append(tf.one_hot(tf.cast(categorical_ids[:, k], tf.int32), n))
    parts.append(tf.cast(continuous, tf.float32))
    return tf.concat(parts, axis=-1)


def codes_from_seed(seed, num, noise_dim, categorical_codes, continuous_codes):
    """Stateless (noise, categorical ids [N, k], continuous [N, D]) for an int seed: what `generate` and the
    exported `sample` signature use. Noise and continuous codes ~ U(-1, 1), categories uniform."""
    seed = tf.cast(seed, tf.int32)
    num = tf.cast(num, tf.int32)
    noise = tf.random.stateless_uniform(tf.stack([num, noise_dim]), tf.stack([seed, 0]), minval=-1.0, maxval=1.0)
    ids = [
        tf.random.stateless_uniform(tf.reshape(num, [1]), tf.stack([seed, k + 1]), minval=0, maxval=n, dtype=tf.int32)
        for k, n in enumerate(categorical_codes)
    ]
    ids = tf.stack(ids, axis=1) if ids else tf.zeros(tf.stack([num, 0]), tf.int32)
    cont = tf.random.stateless_uniform(
        tf.stack([num, continuous_codes]), tf.stack([seed, 10_000]), minval=-1.0, maxval=1.0
    )
    return noise, ids, cont


@register_model("infogan")
class InfoGAN(UnconditionalGAN):
    """InfoGAN: G(z, c); D and Q share a trunk; min_{G,Q} max_D V(D, G) − λ·L_I(G, Q).

    L_I = E[log Q(c | G(z, c))] + H(c) is the variational lower bound on I(c; G(z, c)). Both players minimize
    λ·(−log Q(c | x)) on generated images: G through x, D's update through the shared trunk and Q's head. Categorical
    codes use a softmax Q (λ = `categorical_weight`, 1 in the paper); continuous codes a factored Gaussian Q (fixed
    σ = 1 as in the official MNIST code, or a learned σ with `learn_continuous_std`). G's input is
    `[z, one_hot(c_1), ..., c_continuous]`, so `latent_dim = noise_dim + Σ categorical_codes + continuous_codes`
    and the exported `serving_default(latents)` takes that vector.

    Args:
        noise_dim: incompressible noise z (62 on MNIST), ~ U(-1, 1).
        categorical_codes: sizes of the categorical codes ([10] on MNIST).
        continuous_codes: number of U(-1, 1) continuous codes (2 on MNIST).
        image_size, channels: 28×28×1 for MNIST (divisible by 4).
        filters: conv widths (64, 128) of D's two convs and, reversed, G's upconvs.
        fc_units: width of the FC layers next to the convs (1024).
        q_units: Q's hidden FC width (128).
        categorical_weight, continuous_weight: λ for each kind of code (1, 1).
        learn_continuous_std: Q predicts σ for continuous codes (False: σ = 1).
        d_learning_rate, g_learning_rate, beta_1: Adam (2e-4 for D and Q, 1e-3 for G, β1 0.5).
        seed: seed of the training-time noise and codes.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("infogan", image_size=8, noise_dim=4, filters=[4, 8], fc_units=8, q_units=8)
        >>> images, codes = m.sample_with_codes(3, seed=0, categorical=[0, 1, 2])
        >>> images.shape, codes["categorical"][:, 0].tolist()
        ((3, 8, 8, 1), [0, 1, 2])
        >>> m.infer_codes(images)["continuous"].shape
        (3, 2)

    Reference:
        Chen, Duan, Houthooft, Schulman, Sutskever & Abbeel, "InfoGAN: Interpretable Representation Learning by
        Information Maximizing Generative Adversarial Nets", NeurIPS 2016, arXiv:1606.03657.
    """

    loss_names = ("d_loss", "g_loss", "info_loss", "categorical_mi")

    def __init__(
        self,
        noise_dim=62,
        categorical_codes=(10,),
        continuous_codes=2,
        image_size=28,
        channels=1,
        filters=(64, 128),
        fc_units=1024,
        q_units=128,
        categorical_weight=1.0,
        continuous_weight=1.0,
        learn_continuous_std=False,
        d_learning_rate=2e-4,
        g_learning_rate=1e-3,
        beta_1=0.5,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        categorical_codes = tuple(int(n) for n in categorical_codes)
        if any(n < 2 for n in categorical_codes):
            raise ValueError(f"every categorical code needs at least 2 categories, got {list(categorical_codes)}.")
        if not categorical_codes and continuous_codes <= 0:
            raise ValueError("InfoGAN needs at least one latent code: set categorical_codes and/or continuous_codes.")
        if len(filters) != 2:
            raise ValueError(f"filters must list the 2 conv widths (e.g. [64, 128]), got {list(filters)}.")
        self.noise_dim = noise_dim
        self.categorical_codes = categorical_codes
        self.continuous_codes = int(continuous_codes)
        self.image_size = image_size
        self.channels = channels
        self.filters = tuple(filters)
        self.fc_units = fc_units
        self.q_units = q_units
        self.categorical_weight = categorical_weight
        self.continuous_weight = continuous_weight
        self.learn_continuous_std = learn_continuous_std
        self.d_learning_rate = d_learning_rate
        self.g_learning_rate = g_learning_rate
        self.beta_1 = beta_1
        self.latent_dim = noise_dim + sum(categorical_codes) + self.continuous_codes
        self.latent_distribution = "uniform"
        self.generator = infogan_networks.build_generator(self.latent_dim, image_size, channels, self.filters, fc_units)
        self.discriminator = infogan_networks.build_discriminator(
            image_size, channels, self.filters, fc_units, q_units, sum(categorical_codes), self.continuous_codes,
            learn_continuous_std,
        )
        self._finish_init()

    def get_config(self):
        config = super().get_config()
        config["categorical_codes"] = list(self.categorical_codes)
        return config


    # ------------------------------------------------------------------------------------------ codes
    def sample_codes(self, batch):
        """Training-time (latents, categorical ids [B, k], continuous [B, D]), the same per example on any
        number of replicas."""
        noise = consistent_random("uniform", [batch, self.noise_dim], self.seed_generator, minval=-1.0, maxval=1.0)
        k = len(self.categorical_codes)
        u = consistent_random("uniform", [batch, max(k, 1)], self.seed_generator)
        sizes = tf.constant(self.categorical_codes or (1,), tf.float32)
        ids = tf.minimum(tf.cast(tf.floor(u * sizes), tf.int32), tf.cast(sizes, tf.int32) - 1)[:, :k]
        cont = consistent_random(
            "uniform", [batch, self.continuous_codes], self.seed_generator, minval=-1.0, maxval=1.0
        )
        return assemble_latents(noise, ids, cont, self.categorical_codes), ids, cont

    def information_losses(self, q_outputs, categorical_ids, continuous):
        """Per-example (−Σ log Q(c_cat | x), −log Q(c_cont | x)) — unweighted."""
        batch = tf.shape(q_outputs["logits"])[0]
        cat = tf.zeros([batch], tf.float32)
        offset = 0
        for k, n in enumerate(self.categorical_codes):
            logits = q_outputs["categorical"][:, offset : offset + n]
            cat += categorical_information_loss(categorical_ids[:, k], logits)
            offset += n
        cont = tf.zeros([batch], tf.float32)
        if self.continuous_codes:
            cont = gaussian_information_loss(
                continuous, q_outputs["continuous_mean"], q_outputs.get("continuous_log_std")
            )
        return cat, cont

    def weighted_information_loss(self, q_outputs, categorical_ids, continuous):
        cat, cont = self.information_losses(q_outputs, categorical_ids, continuous)
        return self.categorical_weight * cat + self.continuous_weight * cont, cat

    # ------------------------------------------------------------------------------------------ shared-step hooks
    def generator_inputs(self, batch):
        """{latents, ids, continuous}: G's input vector and the codes it holds, drawn per step."""
        latents, ids, cont = self.sample_codes(tf.shape(self.task.real_images(batch))[0])
        return {"latents": latents, "ids": ids, "continuous": cont}

    def generate_fake(self, batch):
        """The fake batch {images, ids, continuous}: D's update also trains Q on the fakes' codes."""
        inputs = self.generator_inputs(batch)
        return {"images": self.generator(inputs["latents"], training=True), "ids": inputs["ids"],
                "continuous": inputs["continuous"]}

    def discriminator_objective(self, batch, fake):
        """D's GAN loss plus λ·(−log Q(c | G(z, c))), which trains Q through the shared trunk."""
        real_out = self.discriminator(batch["images"], training=True)
        fake_out = self.discriminator(fake["images"], training=True)
        gan = minimax_discriminator_loss(real_out["logits"], fake_out["logits"])
        info, _ = self.weighted_information_loss(fake_out, fake["ids"], fake["continuous"])
        loss = reduce_global_batch(gan + info)
        return loss, {"d_loss": loss}

    def generator_objective(self, batch, inputs, fake=None):
        """G's non-saturating loss plus λ·(−log Q(c | G(z, c))) (−λ·L_I up to the constant H(c))."""
        fake = self.generator(inputs["latents"], training=True) if fake is None else fake
        out = self.discriminator(fake, training=True)
        info, cat = self.weighted_information_loss(out, inputs["ids"], inputs["continuous"])
        gan = non_saturating_generator_loss(out["logits"])
        entropy = sum(categorical_entropy(n) for n in self.categorical_codes)
        loss = reduce_global_batch(gan + info)
        return loss, {"g_loss": loss, "info_loss": reduce_global_batch(info),
                      "categorical_mi": reduce_global_batch(entropy - cat)}

    # ------------------------------------------------------------------------------------------ inference
    def _check_codes(self, num_images, categorical, continuous):
        k = len(self.categorical_codes)
        if categorical is not None:
            categorical = np.asarray(categorical)
            if categorical.ndim == 1 and k == 1:
                categorical = categorical[:, None]
            if categorical.ndim != 2 or categorical.shape != (num_images, k) or not np.issubdtype(
                categorical.dtype, np.integer
            ):
                raise ValueError(
                    f"categorical codes must be int ids of shape [{num_images}, {k}] (or [{num_images}] with one "
                    f"code), got {categorical.dtype} {categorical.shape}."
                )
            for j, n in enumerate(self.categorical_codes):
                if categorical[:, j].min() < 0 or categorical[:, j].max() >= n:
                    raise ValueError(f"categorical code {j} takes values in [0, {n}), got {categorical[:, j]}.")
        if continuous is not None:
            continuous = np.asarray(continuous, np.float32)
            if continuous.shape != (num_images, self.continuous_codes):
                raise ValueError(
                    f"continuous codes must have shape [{num_images}, {self.continuous_codes}], got {continuous.shape}."
                )
        return categorical, continuous

    def sample_with_codes(self, num_images, seed=None, categorical=None, continuous=None, batch_size=64):
        """Images for chosen codes; codes left as None are drawn from their priors with `seed`.

        Returns:
            `(images [N, H, W, C] in [-1, 1], {"categorical": int [N, k], "continuous": [N, D], "latents": [N, L]})`.
        """
        if num_images <= 0:
            raise ValueError(f"num_images must be positive, got {num_images}.")
        categorical, continuous = self._check_codes(num_images, categorical, continuous)
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        noise, ids, cont = codes_from_seed(
            seed, num_images, self.noise_dim, self.categorical_codes, self.continuous_codes
        )
        ids = ids if categorical is None else tf.constant(categorical, tf.int32)
        cont = cont if continuous is None else tf.constant(continuous)
        latents = assemble_latents(noise, ids, cont, self.categorical_codes)
        images = self.generate_from_latents(latents, batch_size)
        return images, {"categorical": ids.numpy(), "continuous": cont.numpy(), "latents": latents.numpy()}

    def generate(self, num_images, seed=None, codes=None, batch_size=64):
        """Images in [-1, 1]; `codes` = {"categorical": ..., "continuous": ...} fixes any of the codes."""
        codes = dict(codes or {})
        unknown = set(codes) - {"categorical", "continuous"}
        if unknown:
            raise ValueError(f"Unknown code kinds {sorted(unknown)}; expected 'categorical' and/or 'continuous'.")
        return self.sample_with_codes(num_images, seed, codes.get("categorical"), codes.get("continuous"),
                                      batch_size)[0]

    def latents_for(self, num_images, seed=None):
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        noise, ids, cont = codes_from_seed(
            seed, num_images, self.noise_dim, self.categorical_codes, self.continuous_codes
        )
        return assemble_latents(noise, ids, cont, self.categorical_codes)

    def infer_codes(self, images, batch_size=256):
        """Q's reading of images: {"categorical": most likely ids [N, k], "categorical_probs": list of [N, K_j],
        "continuous": means [N, D]}."""
        images = np.asarray(images, np.float32)
        expected = (self.image_size, self.image_size, self.channels)
        if images.ndim != 4 or images.shape[1:] != expected:
            raise ValueError(f"images must have shape [N, {', '.join(map(str, expected))}], got {images.shape}.")
        cats, means = [], []
        for i in range(0, len(images), batch_size):
            out = self.discriminator(images[i : i + batch_size], training=False)
            n = len(images[i : i + batch_size])
            cats.append(out["categorical"].numpy() if "categorical" in out else np.zeros((n, 0)))
            means.append(
                out["continuous_mean"].numpy() if "continuous_mean" in out else np.zeros((len(cats[-1]), 0))
            )
        logits, means = np.concatenate(cats), np.concatenate(means)
        probs, ids, offset = [], [], 0
        for n in self.categorical_codes:
            p = tf.nn.softmax(logits[:, offset : offset + n]).numpy()
            probs.append(p)
            ids.append(p.argmax(axis=1))
            offset += n
        ids = np.stack(ids, axis=1) if ids else np.zeros((len(images), 0), np.int64)
        return {"categorical": ids, "categorical_probs": probs, "continuous": means}

    def serving_signatures(self):
        g = self.inference_generator

        def serving_default(latents):
            return {"images": tf.cast(g(latents, training=False), tf.float32)}

        def sample(seed, num_images):
            noise, ids, cont = codes_from_seed(
                seed, num_images, self.noise_dim, self.categorical_codes, self.continuous_codes
            )
            z = assemble_latents(noise, ids, cont, self.categorical_codes)
            return {"images": tf.cast(g(z, training=False), tf.float32), "latents": z}

        return {
            "serving_default": (serving_default, [tf.TensorSpec([None, self.latent_dim], tf.float32, name="latents")]),
            "sample": (
                sample,
                [tf.TensorSpec([], tf.int32, name="seed"), tf.TensorSpec([], tf.int32, name="num_images")],
            ),
        }


def code_class_accuracy(predicted_codes, labels, num_codes=None, num_classes=None):
    """Accuracy of a categorical code as a classifier under the best one-to-one code→class matching (Hungarian
    algorithm on the code/class co-occurrence counts). Returns `(accuracy, {code: class})`."""
    from scipy.optimize import linear_sum_assignment

    predicted_codes = np.asarray(predicted_codes).reshape(-1)
    labels = np.asarray(labels).reshape(-1)
    if len(predicted_codes) != len(labels) or not len(labels):
        raise ValueError(f"Need as many codes as labels (>0), got {len(predicted_codes)} and {len(labels)}.")
    k = num_codes or int(predicted_codes.max()) + 1
    c = num_classes or int(labels.max()) + 1
    counts = np.zeros((k, c), np.int64)
    np.add.at(counts, (predicted_codes, labels), 1)
    rows, cols = linear_sum_assignment(-counts)
    return float(counts[rows, cols].sum() / len(labels)), {int(r): int(col) for r, col in zip(rows, cols)}
