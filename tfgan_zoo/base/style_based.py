"""Task base for style-based generators (StyleGAN, StyleGAN2): the training they share (style mixing, the
logistic loss with R1, the tracked average w, the EMA with a half-life in images) and truncation, style mixing,
interpolation and projection at inference.

The generator is a functional model `latents → mapping → broadcast → truncation (WAverage) → synthesis`; these
helpers reach its parts by name (`mapping`, `truncation`, `synthesis`) on the training or inference (EMA) generator.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo.base.gan import LazyRegularizer
from tfgan_zoo.base.unconditional import UnconditionalGAN
from tfgan_zoo.layers.random import latents_from_seed, replica_info
from tfgan_zoo.layers.style import broadcast_w
from tfgan_zoo.losses.penalties import r1_penalty


def global_mean(x):
    """Mean of `x` over axis 0 across all replicas (the global batch)."""
    n, _ = replica_info()
    local_sum = tf.reduce_sum(x, axis=0)
    count = tf.cast(tf.shape(x)[0], x.dtype)
    ctx = tf.distribute.get_replica_context()
    if n > 1 and ctx is not None:
        local_sum, count = ctx.all_reduce("SUM", [local_sum, count])
    return local_sum / count


def scalar_uniform(seed_generator):
    """One U[0, 1) draw, the same on every replica (all replicas share the seed state)."""
    return tf.random.stateless_uniform([], seed=tf.cast(seed_generator.next(), tf.int32))


def slerp(a, b, t):
    """Spherical interpolation between latent batches `a`, `b` (rows normalized) at fractions `t` ([N])."""
    a = a / tf.norm(a, axis=-1, keepdims=True)
    b = b / tf.norm(b, axis=-1, keepdims=True)
    d = tf.clip_by_value(tf.reduce_sum(a * b, axis=-1, keepdims=True), -1.0, 1.0)
    p = t[:, None] * tf.acos(d)
    c = b - d * a
    c = c / tf.maximum(tf.norm(c, axis=-1, keepdims=True), 1e-12)
    return a * tf.cos(p) + c * tf.sin(p)


class StyleBasedGAN(UnconditionalGAN):
    """Base of style-based GANs. Subclasses build `generator` and `generator_ema` with layers named `mapping`,
    `broadcast`, `truncation` and `synthesis`, and set `num_ws`, `style_mixing_prob` and `ema_kimg`.

    Training (hooks of the shared step): fakes come from the mapping network in training mode with style mixing
    (`training_ws`) through the synthesis network; non-saturating logistic loss; R1 on reals
    (`r1_regularizer`); after the G update the tracked average w (the truncation layer's `w_avg`) moves towards
    the global mean of w over the G step's latents, then the EMA generator with a half-life of `ema_kimg`
    thousand images.

    Inference outputs are clipped to [-1, 1] (the synthesis network is linear; training uses the raw output).
    """

    # ------------------------------------------------------------------------------------------ training
    def active_style_layers(self):
        """Style inputs the synthesis network uses now (all; fewer while StyleGAN grows): style mixing picks
        its crossover among them."""
        return self.num_ws

    def training_ws(self, z):
        """Mapping in training mode and style mixing: with probability `style_mixing_prob` per minibatch, the
        styles from a random crossover layer on come from second latents. Returns ws `[B, num_ws, w_dim]`."""
        mapping = self.parts(self.generator)[0]
        ws = broadcast_w(mapping(z, training=True), self.num_ws)
        if self.style_mixing_prob > 0 and self.num_ws > 1:
            ws2 = broadcast_w(mapping(self.sample_latents(tf.shape(z)[0]), training=True), self.num_ws)
            active = tf.convert_to_tensor(self.active_style_layers(), tf.int32)
            mix = scalar_uniform(self.seed_generator) < self.style_mixing_prob
            u = scalar_uniform(self.seed_generator)
            layer = 1 + tf.cast(u * tf.cast(tf.maximum(active - 1, 1), tf.float32), tf.int32)
            cutoff = tf.where(mix, tf.minimum(layer, active), active)
            ws = tf.where((tf.range(self.num_ws) < cutoff)[None, :, None], ws, ws2)
        return ws

    def synthesis_train(self, ws):
        return self.parts(self.generator)[2](ws, training=True)

    def generator_inputs(self, batch):
        """{"latents": z} for the G update (a family may add the inputs of its G regularizers)."""
        return {"latents": self.sample_latents(tf.shape(batch["images"])[0])}

    def generate_fake(self, batch):
        return self.synthesis_train(self.training_ws(self.sample_latents(tf.shape(batch["images"])[0])))

    def generator_objective(self, batch, inputs, fake=None):
        if fake is None:
            fake = self.synthesis_train(self.training_ws(inputs["latents"]))
        loss, logs = super().generator_objective(batch, inputs, fake=fake)
        logs["_latents"] = inputs["latents"]  # for the w average (`after_update`)
        return loss, logs

    def discriminator_loss(self, real_outputs, fake_outputs):
        """Logistic loss: softplus(D(G(z))) + softplus(−D(x))."""
        real = tf.reshape(tf.cast(real_outputs, tf.float32), [-1])
        fake = tf.reshape(tf.cast(fake_outputs, tf.float32), [-1])
        return tf.nn.softplus(fake) + tf.nn.softplus(-real)

    def generator_loss(self, fake_outputs):
        """Non-saturating logistic loss: softplus(−D(G(z)))."""
        return tf.nn.softplus(-tf.reshape(tf.cast(fake_outputs, tf.float32), [-1]))

    def r1_regularizer(self, interval):
        """R1 = ‖∇ₓD(x)‖² on reals, weight γ/2, logged as `r1_penalty`, every `interval` D updates."""
        return LazyRegularizer(
            "discriminator", "r1_penalty", interval, self.r1_gamma * 0.5,
            lambda batch, real, fake: r1_penalty(lambda x: self.discriminator(x, training=True), real),
            enabled=self.r1_gamma > 0,
        )

    def update_w_average(self, z):
        """Moves the tracked average w towards the global mean of mapping(z) (with the updated mapping)."""
        mapping = self.parts(self.generator)[0]
        self.generator.get_layer("truncation").update(global_mean(tf.stop_gradient(mapping(z, training=False))))

    def after_update(self, player, logs):
        if player == "generator":
            self.update_w_average(logs["_latents"])

    def after_step(self, batch):
        """EMA generator with a half-life of `ema_kimg` thousand images: decay 0.5^(global batch / 1000·ema_kimg)."""
        n, _ = replica_info()
        images = tf.cast(tf.shape(batch["images"])[0] * n, tf.float32)
        self.update_ema(self.generator_ema, self.generator, 0.5 ** (images / (1000.0 * self.ema_kimg)))

    def parts(self, generator=None):
        g = generator or self.inference_generator
        return g.get_layer("mapping"), g.get_layer("truncation"), g.get_layer("synthesis")

    def ws_for(self, latents, truncation_psi=None, truncation_cutoff=None, generator=None):
        """Latents → per-layer styles `[B, num_ws, w_dim]` with the truncation trick (ψ, cutoff)."""
        mapping, trunc, _ = self.parts(generator)
        ws = broadcast_w(mapping(latents, training=False), self.num_ws)
        if truncation_psi is None:
            return ws
        return trunc(ws, psi=truncation_psi, cutoff=truncation_cutoff)

    def synthesize(self, ws, generator=None):
        _, _, synthesis = self.parts(generator)
        return tf.clip_by_value(tf.cast(synthesis(ws, training=False), tf.float32), -1.0, 1.0)

    def call(self, inputs, training=False):
        out = self.inference_generator(inputs, training=training)
        return out if training else tf.clip_by_value(out, -1.0, 1.0)

    # ------------------------------------------------------------------------------------------ user API
    def generate(self, num_images, seed=None, batch_size=64, truncation_psi=1.0, truncation_cutoff=None):
        """`num_images` images in [-1, 1]; `truncation_psi` < 1 trades variety for fidelity (w' = w̄ + ψ(w − w̄)),
        applied to the first `truncation_cutoff` layers (all if None). Deterministic for a seed."""
        if num_images <= 0:
            raise ValueError(f"num_images must be positive, got {num_images}.")
        z = self.latents_for(num_images, seed)
        psi = None if truncation_psi in (None, 1, 1.0) and truncation_cutoff is None else float(truncation_psi)
        outs = []
        for i in range(0, num_images, batch_size):
            ws = self.ws_for(z[i : i + batch_size], psi, truncation_cutoff)
            outs.append(self.synthesize(ws).numpy())
        return np.concatenate(outs, axis=0)

    def style_mix(self, seeds_a, seeds_b, layers, truncation_psi=1.0):
        """Style mixing grid: image [i, j] has the styles of seed `seeds_a[i]` except at synthesis layers `layers`
        (indices into the `num_ws` style inputs, e.g. range(0, 4) = coarse), which come from `seeds_b[j]`.

        Returns: `[len(seeds_a), len(seeds_b), H, W, C]` in [-1, 1].
        """
        layers = sorted(set(int(i) for i in layers))
        if not layers or layers[0] < 0 or layers[-1] >= self.num_ws:
            raise ValueError(f"layers must be non-empty indices in [0, {self.num_ws}), got {layers}.")
        psi = None if truncation_psi == 1.0 else truncation_psi
        wa = self.ws_for(tf.concat([self.latents_for(1, int(s)) for s in seeds_a], 0), psi)
        wb = self.ws_for(tf.concat([self.latents_for(1, int(s)) for s in seeds_b], 0), psi)
        mask = tf.constant(np.isin(np.arange(self.num_ws), layers)[None, :, None])
        rows = []
        for i in range(len(seeds_a)):
            mixed = tf.where(mask, wb, tf.repeat(wa[i : i + 1], len(seeds_b), axis=0))
            rows.append(self.synthesize(mixed).numpy())
        return np.stack(rows)

    def interpolate(self, seed_a, seed_b, steps=8, space="z", truncation_psi=1.0):
        """Images along the path between two seeds: spherical in Z (`space='z'`) or linear in W (`'w'`), as the
        perceptual-path-length metric. Returns `[steps, H, W, C]`."""
        if space not in ("z", "w"):
            raise ValueError(f"space must be 'z' or 'w', got {space!r}.")
        if steps < 2:
            raise ValueError(f"steps must be >= 2, got {steps}.")
        za, zb = self.latents_for(1, seed_a), self.latents_for(1, seed_b)
        t = tf.linspace(0.0, 1.0, steps)
        psi = None if truncation_psi == 1.0 else truncation_psi
        if space == "z":
            z = slerp(tf.repeat(za, steps, 0), tf.repeat(zb, steps, 0), t)
            # keep the latents' norm: the mapping network normalizes z anyway
            ws = self.ws_for(z * tf.norm(za), psi)
        else:
            wa, wb = self.ws_for(za, psi), self.ws_for(zb, psi)
            ws = wa + t[:, None, None] * (wb - wa)
        return self.synthesize(ws).numpy()

    def project(self, images, steps=300, learning_rate=0.1, noise_weight=1e5, optimize_noise=True,
                feature_network=None, initial_noise_factor=0.05, noise_ramp_length=0.75, num_w_samples=2000, seed=0):
        """StyleGAN2's projector: finds w (one per image, broadcast to all layers) and the noise maps that
        reproduce `images`.

        LPIPS (the official distance) needs downloaded VGG weights; this uses the mean squared pixel error plus,
        if `feature_network` (a callable images → features) is given, the mean squared feature error. The rest
        follows the official projector: w starts at the mean w with its std estimated from `num_w_samples`
        mapped latents, Gaussian noise on w decaying to 0 over the first `noise_ramp_length` of the steps, Adam
        with a cosine-ramped learning rate, the multi-scale noise autocorrelation regularizer (weight
        `noise_weight`) and noise maps renormalized each step. The model's stored noise maps are restored after.

        Returns:
            dict with `ws` `[N, num_ws, w_dim]`, `images` (reconstructions), `noises` (list of arrays) and `loss`.
        """
        images = tf.convert_to_tensor(images, tf.float32)
        expected = (self.image_size, self.image_size, self.channels)
        if images.shape.rank != 4 or tuple(images.shape[1:]) != expected:
            raise ValueError(f"project() expects images of shape [N, {expected[0]}, {expected[1]}, {expected[2]}] "
                             f"in [-1, 1], got {tuple(images.shape)}.")
        g = self.inference_generator
        mapping, _, synthesis = self.parts(g)
        w_samples = mapping(latents_from_seed(seed, num_w_samples, self.latent_dim, self.latent_distribution))
        w_avg = tf.reduce_mean(w_samples, 0, keepdims=True)
        w_std = float(tf.sqrt(tf.reduce_mean(tf.reduce_sum(tf.square(w_samples - w_avg), -1))))
        n = images.shape[0]
        w_opt = tf.Variable(tf.repeat(w_avg, n, 0), name="w_opt")
        noise_vars = [v for v in synthesis.non_trainable_variables if v.path.endswith("noise_const")]
        saved = [v.numpy() for v in noise_vars]
        rng = np.random.default_rng(seed)
        for v in noise_vars:
            v.assign(rng.standard_normal(v.shape).astype(np.float32))
        variables = [w_opt] + (list(noise_vars) if optimize_noise else [])
        import keras

        opt = keras.optimizers.Adam(learning_rate, beta_1=0.9, beta_2=0.999)
        target_feats = None if feature_network is None else feature_network(images)
        loss = tf.constant(0.0)
        try:
            for step in range(steps):
                t = step / max(steps, 1)
                w_noise_scale = w_std * initial_noise_factor * max(0.0, 1.0 - t / noise_ramp_length) ** 2
                lr_ramp = min(1.0, (1.0 - t) / 0.25) * 0.5 * (1 - np.cos(min(1.0, t / 0.05) * np.pi))
                opt.learning_rate.assign(learning_rate * lr_ramp)
                w_noise = tf.constant(rng.standard_normal(w_opt.shape).astype(np.float32) * w_noise_scale)
                with tf.GradientTape() as tape:
                    ws = broadcast_w(w_opt + w_noise, self.num_ws)
                    synth = tf.cast(synthesis(ws, training=False), tf.float32)
                    loss = tf.reduce_mean(tf.square(synth - images))
                    if feature_network is not None:
                        loss += tf.reduce_mean(tf.square(feature_network(synth) - target_feats))
                    if optimize_noise:
                        loss += noise_weight * noise_regularization(noise_vars)
                grads = tape.gradient(loss, variables)
                opt.apply_gradients([(gr, v) for gr, v in zip(grads, variables) if gr is not None])
                for v in noise_vars:  # renormalize
                    v.assign((v - tf.reduce_mean(v)) * tf.math.rsqrt(tf.reduce_mean(tf.square(v - tf.reduce_mean(v)))))
            ws = broadcast_w(tf.convert_to_tensor(w_opt), self.num_ws)
            result = {
                "ws": ws.numpy(),
                "images": self.synthesize(ws).numpy(),
                "noises": [v.numpy() for v in noise_vars],
                "loss": float(loss),
            }
        finally:
            for v, s in zip(noise_vars, saved):
                v.assign(s)
        return result

    # ------------------------------------------------------------------------------------------ serving
    def serving_signatures(self):
        g = self.inference_generator
        dist = self.latent_distribution

        def serving_default(latents):
            return {"images": tf.clip_by_value(tf.cast(g(latents, training=False), tf.float32), -1.0, 1.0)}

        def sample(seed, num_images):
            z = latents_from_seed(seed, num_images, self.latent_dim, dist)
            return {"images": tf.clip_by_value(tf.cast(g(z, training=False), tf.float32), -1.0, 1.0), "latents": z}

        def generate(seed, num_images, truncation_psi):
            z = latents_from_seed(seed, num_images, self.latent_dim, dist)
            ws = self.ws_for(z, truncation_psi, generator=g)
            return {"images": self.synthesize(ws, generator=g), "latents": z}

        def truncated(latents, truncation_psi):
            return {"images": self.synthesize(self.ws_for(latents, truncation_psi, generator=g), generator=g)}

        scalar_int = lambda name: tf.TensorSpec([], tf.int32, name=name)  # noqa: E731
        return {
            "serving_default": (serving_default, [tf.TensorSpec([None, self.latent_dim], tf.float32, name="latents")]),
            "sample": (sample, [scalar_int("seed"), scalar_int("num_images")]),
            "generate": (generate, [scalar_int("seed"), scalar_int("num_images"),
                                    tf.TensorSpec([], tf.float32, name="truncation_psi")]),
            "truncated": (truncated, [tf.TensorSpec([None, self.latent_dim], tf.float32, name="latents"),
                                      tf.TensorSpec([], tf.float32, name="truncation_psi")]),
        }

    def serving_example_inputs(self, endpoint, batch):
        """Warm-up inputs: ψ = 0.7 rather than the generic 0."""
        if endpoint == "generate":
            return {"seed": np.int32(1), "num_images": np.int32(batch), "truncation_psi": np.float32(0.7)}
        if endpoint == "truncated":
            return {"latents": np.zeros((batch, self.latent_dim), np.float32), "truncation_psi": np.float32(0.7)}
        return None


def noise_regularization(noises):
    """StyleGAN2 projector's noise regularizer: squared autocorrelation at lag 1 in x and y, at every scale of a
    2× pyramid down to 8×8, summed over noise maps (`[H, W, 1]`)."""
    total = 0.0
    for v in noises:
        n = tf.convert_to_tensor(v)[None]
        while True:
            total += tf.square(tf.reduce_mean(n * tf.roll(n, 1, axis=1))) + tf.square(
                tf.reduce_mean(n * tf.roll(n, 1, axis=2)))
            if n.shape[1] <= 8:
                break
            n = tf.nn.avg_pool2d(n, 2, 2, "VALID") * 2.0
    return total
