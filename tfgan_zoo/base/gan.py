"""`BaseGAN`: what every GAN in the zoo shares — players, optimizers, the distributed step, config, EMA."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.layers.random import consistent_random, latents_from_seed, replica_info, sample_latents


class BaseGAN(keras.Model):
    """Base class of every zoo GAN. Subclass a task base (`UnconditionalGAN`, ...), not this.

    A subclass:
      * calls `super().__init__(seed=seed, **kwargs)`, stores each constructor argument under its own name,
        builds its networks as attributes and ends `__init__` with `self._finish_init()`;
      * lists its players in `player_names` (first = the generator side; its optimizer is `self.optimizer`) and
        maps each to its sub-models in `player_models()`;
      * gives the paper's optimizers in `default_optimizers()`;
      * implements `train_step` with `update_player`, `track` and `logs`.

    `get_config` is derived from the `__init__` signature, so every argument round-trips.
    """

    registry_name = ""
    task = ""
    player_names: tuple = ("generator", "discriminator")
    loss_names: tuple = ("d_loss", "g_loss")
    #: the model declares why a contract check does not apply to it: {check_name: reason}.
    contract_exemptions: dict = {}
    #: TFLite bounds where the architecture loses more than the zoo's defaults under quantization, with the measured
    #: figures and the reason: {mode: {"max_abs_error": float, "min_psnr_db": float, "why": str}}. The export tests
    #: check these instead of the defaults; the bounds also tell users what to expect.
    tflite_quantization_bounds: dict = {}

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="train_seed")
        self.loss_trackers = {n: keras.metrics.Mean(name=n) for n in self.loss_names}
        self._inner_jit = False
        self.player_optimizers = {}

    def _finish_init(self):
        """Marks the model built (its networks are functional and already built)."""
        self.built = True

    def build(self, input_shape=None):  # networks are built in __init__
        self.built = True

    # ----------------------------------------------------------------------------------------- players
    def player_models(self) -> dict:
        """{player_name: [sub-models whose trainable variables that player's optimizer updates]}."""
        raise NotImplementedError

    def player_variables(self, player):
        variables = []
        for m in self.player_models()[player]:
            variables.extend(m.trainable_variables)
        return variables

    def default_optimizers(self) -> dict:
        """{player_name: keras optimizer} with the paper's settings."""
        raise NotImplementedError

    @property
    def g_optimizer(self):
        return self.player_optimizers.get("generator")

    @property
    def d_optimizer(self):
        return self.player_optimizers.get("discriminator")

    # ----------------------------------------------------------------------------------------- compile
    def compile(
        self,
        g_optimizer=None,
        d_optimizer=None,
        *,
        optimizers=None,
        jit_compile=False,
        steps_per_execution=1,
        **kwargs,
    ):
        """Configures the model for `fit`. With no arguments, uses the paper's optimizers.

        Args:
            g_optimizer, d_optimizer: optimizer instances, names or config dicts for the two main players.
            optimizers: `{player_name: optimizer}` for any player (e.g. families with an encoder).
            jit_compile: compile the train step with XLA. Under a strategy with more than one replica the
                per-replica loss/gradient computation is XLA-compiled instead of the whole step (Keras cannot
                XLA-compile a cross-replica step; see DEPENDENCIES.md §2c).
        """
        if kwargs.get("loss") is not None or kwargs.get("optimizer") is not None:
            raise ValueError(
                f"{type(self).__name__}.compile() takes per-player optimizers (g_optimizer=, d_optimizer=, "
                "optimizers={...}); the adversarial losses are model arguments, not compile arguments."
            )
        kwargs.pop("loss", None)
        kwargs.pop("optimizer", None)
        given = dict(optimizers or {})
        if g_optimizer is not None:
            given["generator"] = g_optimizer
        if d_optimizer is not None:
            given["discriminator"] = d_optimizer
        unknown = sorted(set(given) - set(self.player_names))
        if unknown:
            raise ValueError(
                f"Unknown player(s) {unknown} in optimizers; {type(self).__name__} has players {list(self.player_names)}."
            )
        defaults = self.default_optimizers()
        opts = {}
        for name in self.player_names:
            opt = given.get(name)
            opt = defaults[name] if opt is None else keras.optimizers.get(opt)
            if self.dtype_policy.name == "mixed_float16" and not isinstance(opt, keras.optimizers.LossScaleOptimizer):
                opt = keras.optimizers.LossScaleOptimizer(opt)
            opts[name] = opt
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        self._inner_jit = bool(jit_compile) and replicas > 1
        if self._inner_jit and self._has_cross_replica_layers():
            import warnings

            warnings.warn(
                f"jit_compile=True with {replicas} replicas: {type(self).__name__} has synchronized batch norm, whose "
                "cross-replica all-reduce cannot run inside an XLA cluster under a distribution strategy "
                "(TF raises 'merge_call called while defining a new graph'). Training without XLA.",
                stacklevel=2,
            )
            self._inner_jit = False
        outer_jit = bool(jit_compile) and replicas == 1
        self.player_optimizers = opts
        super().compile(
            optimizer=opts[self.player_names[0]],
            jit_compile=outer_jit,
            steps_per_execution=steps_per_execution,
            **kwargs,
        )
        self._requested_jit_compile = bool(jit_compile)
        # Optimizer slots must exist before a distributed `fit` traces the step (DEPENDENCIES.md §2c, fix 2).
        for name, opt in opts.items():
            if not opt.built:
                opt.build(self.player_variables(name))

    def _has_cross_replica_layers(self):
        for models in self.player_models().values():
            for m in models:
                for layer in m._flatten_layers():
                    if isinstance(layer, keras.layers.BatchNormalization) and layer.synchronized:
                        return True
        return False

    def get_compile_config(self):
        if not getattr(self, "player_optimizers", None):
            return None
        return {
            "optimizers": {k: keras.optimizers.serialize(v) for k, v in self.player_optimizers.items()},
            "jit_compile": getattr(self, "_requested_jit_compile", False),
        }

    def compile_from_config(self, config):
        optimizers = {k: keras.optimizers.deserialize(v) for k, v in config["optimizers"].items()}
        self.compile(optimizers=optimizers, jit_compile=config.get("jit_compile", False))

    # ----------------------------------------------------------------------------------------- training helpers
    def update_player(self, player, loss_fn):
        """Computes `loss_fn()` under a tape and applies its gradients to `player`'s variables.

        Args:
            loss_fn: zero-argument callable returning `(loss, extras)`: `loss` is the global-batch-reduced scalar
                to differentiate, `extras` a dict of tensors to hand back (e.g. fake images, loss parts).
        Returns:
            `(loss, extras)`.
        """
        variables = self.player_variables(player)
        opt = self.player_optimizers[player]

        def compute():
            with tf.GradientTape() as tape:
                loss, extras = loss_fn()
                scaled = opt.scale_loss(loss)
            grads = tape.gradient(scaled, variables)
            return loss, extras, grads

        if self._inner_jit:
            compute = tf.function(compute, jit_compile=True)
        loss, extras, grads = compute()
        opt.apply_gradients(zip(grads, variables))
        return loss, extras

    def sample_latents(self, batch_size, latent_dim=None, distribution=None):
        """Training-time latents, the same per example on one device or many."""
        return sample_latents(
            batch_size,
            latent_dim or self.latent_dim,
            self.seed_generator,
            distribution or getattr(self, "latent_distribution", "normal"),
        )

    def latents_for(self, num_images, seed=None):
        """Deterministic latents for `generate`: stateless RNG from `seed` (a random seed if None); the same op
        as the exported `sample` signature, so both give the same images for a seed."""
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        return latents_from_seed(seed, num_images, self.latent_dim, self.latent_distribution)

    def random_uniform(self, shape):
        """Uniform [0, 1) draws, consistent across replicas (e.g. gradient-penalty alphas)."""
        return consistent_random("uniform", shape, self.seed_generator)

    def track(self, **values):
        """Updates the loss trackers. Values are global-batch-reduced per replica; the trackers average over
        replicas, so multiplying by the replica count makes the reported value the global-batch loss."""
        n, _ = replica_info()
        for name, value in values.items():
            self.loss_trackers[name].update_state(tf.cast(value, tf.float32) * n)

    def logs(self):
        out = {name: t.result() for name, t in self.loss_trackers.items()}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras 3.15 reduces scalar logs along axis 0 under MWMS (tensorflow#72388): give them one.
            out = {k: tf.reshape(v, [1]) for k, v in out.items()}
        return out

    @property
    def metrics(self):
        return list(self.loss_trackers.values())

    def checkpoint(self):
        """A `tf.train.Checkpoint` of everything a resumed run needs: every player and its optimizer, EMA
        networks, and the states of all random seed generators (which the object graph does not reach)."""
        seeds = [v.value for v in self.variables if v.path.endswith("seed_generator_state")]
        optimizers = {f"{name}_optimizer": opt for name, opt in self.player_optimizers.items()}
        return tf.train.Checkpoint(model=self, seed_states=seeds, **optimizers)

    # ----------------------------------------------------------------------------------------- EMA
    def _make_ema(self, model, name):
        ema = keras.models.clone_model(model)
        ema.name = name
        ema.set_weights(model.get_weights())
        ema.trainable = False
        return ema

    def update_ema(self, ema_model, model, decay):
        """ema ← decay·ema + (1 - decay)·model for every weight (moving statistics are copied)."""
        for e, w in zip(ema_model.weights, model.weights):
            if w.trainable:
                e.assign(decay * e + (1.0 - decay) * tf.cast(w, e.dtype))
            else:
                e.assign(w)

    # ----------------------------------------------------------------------------------------- config
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        for pname in inspect.signature(type(self).__init__).parameters:
            if pname in ("self", "kwargs", "args"):
                continue
            value = getattr(self, pname)
            if isinstance(value, (tuple, np.ndarray)):
                value = list(value)
            config[pname] = value
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)

    # ----------------------------------------------------------------------------------------- serving
    def serving_signatures(self) -> dict:
        """{endpoint_name: (fn, [tf.TensorSpec, ...])}: what export writes. Task bases give the defaults."""
        raise NotImplementedError

    def summary_of_parameters(self) -> dict:
        """Trainable parameter counts per sub-model."""
        counts = {}
        for player, models in self.player_models().items():
            for m in models:
                counts[m.name] = int(sum(np.prod(v.shape) for v in m.trainable_variables))
        return counts
