"""`BaseGAN`: what every GAN in the zoo shares — players, optimizers, the distributed step, config, EMA."""

from __future__ import annotations

import inspect
from typing import Callable, NamedTuple

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.layers.random import consistent_random, latents_from_seed, replica_info, sample_latents
from tfgan_zoo.losses.reduction import reduce_global_batch


class LazyRegularizer(NamedTuple):
    """A per-example regularizer that runs every `interval` updates of `player` (StyleGAN2's lazy
    regularization): `fn(batch, **tensors)` → per-example values, added as `weight * interval * mean`."""

    player: str
    name: str
    interval: int
    weight: float
    fn: Callable
    enabled: bool | None = None


def _reduce_with_penalty(adversarial, penalty, logs, prefix):
    """Global-batch mean of the per-example adversarial loss plus an optional `(weighted, {log: value})` penalty;
    logs `<prefix>_loss` (and, with a penalty, `<prefix>_adversarial` and the penalty's parts)."""
    per_example = adversarial
    if penalty is not None:
        weighted, parts = penalty
        logs[f"{prefix}_adversarial"] = reduce_global_batch(adversarial)
        per_example = per_example + weighted
        logs.update({k: reduce_global_batch(v) for k, v in parts.items()})
    loss = reduce_global_batch(per_example)
    logs[f"{prefix}_loss"] = loss
    return loss


def critic_chunks(batch, n_critic):
    """Splits a batch (a tensor or a dict of tensors) into `n_critic` interleaved slices (example i goes to
    slice i mod n)."""
    if n_critic == 1:
        return [batch]
    if isinstance(batch, dict):
        return [{k: v[i::n_critic] for k, v in batch.items()} for i in range(n_critic)]
    return [batch[k::n_critic] for k in range(n_critic)]


class BaseGAN(keras.Model):
    """Base class of every zoo GAN. Subclass a task base (`UnconditionalGAN`, ...), not this.

    A subclass:
      * declares its task (`TASK`, set by the task base) and registers with `@register_model(name)`;
      * calls `super().__init__(seed=seed, **kwargs)`, stores each constructor argument under its own name,
        builds its networks as attributes (`generator`, `discriminator`, optionally `generator_ema`) and ends
        `__init__` with `self._finish_init()`;
      * supplies the objective as hooks of the one adversarial step (`train_step` below): `discriminator_loss`,
        `generator_loss` (per-example), and where the paper has them `discriminator_penalty`, `generator_penalty`,
        `weight_penalty`, `lazy_regularizers`, `after_update` and `after_step` (and `generator_inputs`,
        `generate_fake`, `prepare_batch` where G's training inputs or the batch differ from the task's);
      * gets its optimizers from `default_optimizer` and the constructor settings in `optimizer_params`, or
        overrides `default_optimizers()` where the paper's schedule needs more.

    A family overrides `train_step` itself only where its paper's algorithm differs in structure, and says why in
    the method's first line. `get_config` is derived from the `__init__` signature, so every argument round-trips.
    """

    registry_name = ""
    #: the model class's task (a `tfgan_zoo.tasks.Task`); task bases set it, the registry reads it.
    TASK = None
    player_names: tuple = ("generator", "discriminator")
    loss_names: tuple = ("d_loss", "g_loss")
    #: critic updates per generator update; each consumes its own slice of the batch (see `critic_chunks`).
    n_critic = 1
    #: True (set by a family whose critic count changes during training, e.g. WGAN's official 100 → 5): each critic
    #: update reads its own dataset element and `critic_iterations` says how many precede each generator update
    #: (see `make_train_function`). False: `n_critic` slices of one element, a count fixed per compiled step.
    scheduled_critic = False
    #: True: the generator update reuses the fake batch (and the recorded forward pass) of the discriminator
    #: update, sent through the *updated* discriminator, as pytorch/examples' and dcgan.torch's DCGAN do: one G
    #: forward per step instead of two. False: the G update draws new inputs (Goodfellow et al.'s Algorithm 1).
    #: Only with `n_critic == 1`.
    reuse_fake_for_generator_step = False
    #: the paper's optimizer for every player ('adam', 'sgd' or 'rmsprop'), built by `default_optimizers`.
    default_optimizer = "adam"
    #: constructor arguments that set the default optimizers; `train.optimizers` in a config replaces them, and a
    #: config that sets both is refused (one place for each setting).
    optimizer_params: tuple = ("learning_rate", "g_learning_rate", "d_learning_rate", "beta_1", "beta_2", "epsilon",
                               "momentum", "lr_decay")
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
    @property
    def task(self):
        """This instance's `Task` (the class's `TASK`, resolved for tasks whose labels are optional)."""
        return type(self).TASK.resolve(self)

    def player_models(self) -> dict:
        """{player_name: [sub-models whose trainable variables that player's optimizer updates]}. The default maps
        each player name to the attribute of the same name (`generator`, `discriminator`, ...)."""
        return {name: [getattr(self, name)] for name in self.player_names}

    def player_variables(self, player):
        """The trainable variables `player`'s optimizer updates; a variable shared by two of its sub-models (CoGAN's
        coupled layers) is listed once."""
        variables, seen = [], set()
        for m in self.player_models()[player]:
            for v in m.trainable_variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    variables.append(v)
        return variables

    def default_optimizers(self) -> dict:
        """{player_name: keras optimizer} with the paper's settings: `default_optimizer` built from the
        constructor's learning rate (`g_learning_rate`/`d_learning_rate` where the players differ) and the
        `beta_1`, `beta_2`, `epsilon`, `momentum` the model has."""
        return {name: self.make_optimizer(name) for name in self.player_names}

    def make_optimizer(self, player, learning_rate=None):
        kinds = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop}
        if self.default_optimizer not in kinds:
            raise ValueError(f"default_optimizer must be one of {sorted(kinds)}, got {self.default_optimizer!r}.")
        cls = kinds[self.default_optimizer]
        if learning_rate is None:
            learning_rate = getattr(self, f"{player[0]}_learning_rate", None) if player in ("generator",
                                                                                            "discriminator") else None
            if learning_rate is None:
                learning_rate = self.learning_rate
        accepted = inspect.signature(cls.__init__).parameters
        kwargs = {k: getattr(self, k) for k in ("beta_1", "beta_2", "epsilon", "momentum")
                  if k in accepted and getattr(self, k, None) is not None}
        return cls(learning_rate, **kwargs)

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
                XLA-compile a cross-replica step; see docs/FRAMEWORK_NOTES.md#xla-and-mirrored).
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
                f"Unknown player(s) {unknown} in optimizers; {type(self).__name__} has players "
                f"{list(self.player_names)}."
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
        # Optimizer slots must exist before a distributed `fit` traces the step
        # (docs/FRAMEWORK_NOTES.md#distributed-build).
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

    # ----------------------------------------------------------------------------------------- the adversarial step
    def train_step(self, data):
        """The one adversarial step: `n_critic` discriminator updates, each on its own slice of the batch, then
        one generator update, then `after_step` (EMA, running averages).

        With `n_critic > 1` a `fit` batch holds `n_critic` minibatches (the trainer multiplies the batch size);
        critic step k uses examples k, k+n, k+2n, ... so the split is the same on one device and on N replicas.
        The objective comes from the hooks; lazy regularizers run every `interval` updates of their player.
        """
        return self._adversarial_step(data)

    def _adversarial_step(self, data, generator_update=True):
        """`train_step`'s body; `generator_update=False` is a scheduled critic's critic-only step."""
        batch = self.prepare_batch(self.task.split_batch(self, data))
        if self.reuse_fake_for_generator_step and self.minibatches_per_batch == 1 and not self.scheduled_critic:
            return self._train_step_reusing_fake(batch)
        d_logs = {}
        for chunk in critic_chunks(batch, self.minibatches_per_batch):
            fake = tf.nest.map_structure(tf.stop_gradient, self.generate_fake(chunk))
            _, d_logs = self.update_player("discriminator", lambda chunk=chunk, fake=fake:
                                           self.discriminator_objective(chunk, fake))
            self.after_update("discriminator", d_logs)
        if not generator_update:  # a scheduled critic's update without a generator update
            self.track_logs(d_logs)
            return self.logs()
        inputs = self.generator_inputs(chunk)
        _, g_logs = self.update_player("generator", lambda: self.generator_objective(chunk, inputs))
        self.after_update("generator", g_logs)
        self.after_step(chunk)
        self.track_logs({**d_logs, **g_logs})
        return self.logs()

    @property
    def minibatches_per_batch(self) -> int:
        """Minibatches one dataset element holds (the trainer multiplies the batch size by it): `n_critic` for the
        chunked step, 1 under a scheduled critic (each critic update reads its own element)."""
        return 1 if self.scheduled_critic else self.n_critic

    def critic_iterations(self, generator_step: int) -> int:
        """Critic updates before generator update number `generator_step` (0-based) under a scheduled critic."""
        return self.n_critic

    def batches_consumed(self) -> int:
        """Dataset elements the training so far has read (a resumed run skips them): one per generator update, or
        one per critic update under a scheduled critic."""
        player = "discriminator" if self.scheduled_critic else self.player_names[0]
        return int(self.player_optimizers[player].iterations.numpy())

    def make_train_function(self, force=False):
        """Keras' train function; under a scheduled critic, one `fit` step is one generator update preceded by
        `critic_iterations(g)` critic updates, each on the next dataset element: `critic_iterations(g) - 1` calls of a
        compiled critic-only step, then one of the full step (critic, then generator). Two separately traced
        functions instead of a loop in the graph: an optimizer update inside graph control flow cannot synchronize
        replicas under MirroredStrategy (`merge_call` inside a cond/while body). `steps_per_execution` must be 1."""
        if not self.scheduled_critic:
            return super().make_train_function(force)
        if self.train_function is not None and not force:
            return self.train_function
        if self.steps_per_execution != 1:
            raise ValueError(
                f"{type(self).__name__} with a scheduled critic runs each update as its own call; compile it with "
                f"steps_per_execution=1 (got {self.steps_per_execution}), or use a fixed critic count.")

        def critic_only_step(data):
            return self._adversarial_step(data, generator_update=False)

        critic_only = self._make_function(critic_only_step)  # Keras' per-step wrapper (strategy.run, XLA)
        full = self._make_function(self.train_step)

        def function(iterator):
            if not isinstance(iterator, (tf.data.Iterator, tf.distribute.DistributedIterator)):
                return full(iterator)  # train_on_batch: one element, one critic and one generator update
            count = self.critic_iterations(int(self.player_optimizers["generator"].iterations.numpy()))
            for _ in range(count - 1):
                critic_only(iterator)
            return full(iterator)

        self.train_function = function
        return function

    def test_step(self, data):
        """Held-out losses for `evaluate()` and `fit(validation_data=...)`: both players' objectives on `data`,
        exactly as a training step computes them (networks in training mode), with no update. State a training-mode
        call changes (batch-norm moving averages, spectral-norm vectors, noise seeds, history pools) is put back,
        so evaluating never changes the model."""
        if type(self).train_step is not BaseGAN.train_step:
            raise NotImplementedError(
                f"{type(self).__name__} trains with its own step, whose losses are not split into the shared "
                "objectives; held-out losses are not defined for it. Judge it with tfgan_zoo.evaluation "
                "(e.g. evaluate(model, ['digits_fid'])) or the EvaluationCallback instead of validation_data.")
        state = list(self.non_trainable_variables)
        saved = [tf.identity(v.value) for v in state]
        batch = self.prepare_batch(self.task.split_batch(self, data))
        fake = tf.nest.map_structure(tf.stop_gradient, self.generate_fake(batch))
        _, d_logs = self.discriminator_objective(batch, fake)
        _, g_logs = self.generator_objective(batch, self.generator_inputs(batch))
        logs = {k: v for k, v in {**d_logs, **g_logs}.items() if not k.startswith("_due_")}
        with tf.control_dependencies(tf.nest.flatten(logs)):
            for v, value in zip(state, saved):
                v.assign(value)
        with tf.control_dependencies([v.value for v in state]):
            self.track_logs(logs)
        return self.logs()

    def _train_step_reusing_fake(self, batch):
        """One G forward per step: D update on (real, G(z)); G update from the same G(z) through the updated D.

        The G gradient is the chain rule in two recorded pieces: dL_G/dfake through the updated D, then that
        vector pulled back through the tape of the G forward (`output_gradients`). Same gradients as a second
        forward of G on the same z, with half the G forward work and one BN-statistics update per step.
        """
        inputs = self.generator_inputs(batch)
        g_vars = self.player_variables("generator")
        g_opt = self.player_optimizers["generator"]
        if self._inner_jit:
            # Multi-replica XLA compiles each player's computation separately (see `update_player`), so a tape
            # cannot span both updates: recompute G on the same inputs (same fake batch, same gradients).
            fake = tf.stop_gradient(self.generator(inputs, training=True))
            _, d_logs = self.update_player("discriminator", lambda: self.discriminator_objective(batch, fake))
            self.after_update("discriminator", d_logs)
            _, g_logs = self.update_player("generator", lambda: self.generator_objective(batch, inputs))
        else:
            with tf.GradientTape() as g_tape:
                fake = self.generator(inputs, training=True)
            fake_in = tf.stop_gradient(fake)
            _, d_logs = self.update_player("discriminator", lambda: self.discriminator_objective(batch, fake_in))
            self.after_update("discriminator", d_logs)
            with tf.GradientTape() as x_tape:
                x_tape.watch(fake_in)
                g_loss, g_logs = self.generator_objective(batch, None, fake=fake_in)
                scaled = g_opt.scale_loss(g_loss)
            d_fake, direct = x_tape.gradient(scaled, [fake_in, g_vars])
            grads = g_tape.gradient(fake, g_vars, output_gradients=tf.cast(d_fake, fake.dtype))
            # terms of the G loss that do not pass through the fake batch (a weight penalty) act on G directly
            grads = [g if d is None else d if g is None else g + d for g, d in zip(grads, direct)]
            g_opt.apply_gradients(zip(grads, g_vars))
        self.after_update("generator", g_logs)
        self.after_step(batch)
        self.track_logs({**d_logs, **g_logs})
        return self.logs()

    def images_from_batch(self, data):
        """The real images of a dataset element (for families with their own `train_step`)."""
        return self.task.real_images(self.task.split_batch(self, data))

    def prepare_batch(self, batch):
        """The batch the step trains on, from the task's split (default: unchanged). A per-step schedule that
        changes the data or the networks before the updates goes here (progressive growing's level of detail)."""
        return batch

    def generator_inputs(self, batch):
        """G's training inputs for a batch: the task's by default (fresh latents[, the batch's labels]). A family
        whose G trains on other inputs (sampled classes, latent codes) overrides this."""
        return self.task.generator_inputs(self, batch)

    def generate_fake(self, batch):
        """G's training-mode output for a batch: the fake images, or a dict (a fake batch: the images and the codes
        they were generated from) for a family whose `discriminator_objective` needs those codes."""
        return self.generator(self.generator_inputs(batch), training=True)

    def discriminate(self, images, batch):
        """D's training-mode output for real or fake `images` of a batch (with the batch's conditioning)."""
        return self.discriminator(self.task.discriminator_inputs(self, images, batch), training=True)

    def discriminator_objective(self, batch, fake):
        """`(loss, logs)` of one discriminator update: the adversarial loss plus penalties, lazy regularizers
        and weight penalties, reduced with the global batch size."""
        real = self.task.real_images(batch)
        adversarial = self.discriminator_loss(self.discriminate(real, batch), self.discriminate(fake, batch))
        logs = {}
        loss = _reduce_with_penalty(adversarial, self.discriminator_penalty(real, fake, batch), logs, "d")
        loss = self._add_extra_terms("discriminator", loss, logs, batch, real=real, fake=fake)
        return loss, logs

    def generator_objective(self, batch, inputs, fake=None):
        """`(loss, logs)` of the generator update: the adversarial loss on G(inputs) plus `generator_penalty`
        (per-example, e.g. a reconstruction term), lazy regularizers and weight penalties. `fake` given: use it
        instead of running G (the reused-fake step)."""
        if fake is None:
            fake = self.generator(inputs, training=True)
        adversarial = self.generator_loss(self.discriminate(fake, batch))
        logs = {}
        loss = _reduce_with_penalty(adversarial, self.generator_penalty(fake, batch), logs, "g")
        loss = self._add_extra_terms("generator", loss, logs, batch, fake=fake)
        return loss, logs

    def _add_extra_terms(self, player, loss, logs, batch, **tensors):
        for reg in self.lazy_regularizers():
            if reg.player != player:
                continue
            due = tf.equal(self.player_optimizers[player].iterations % reg.interval, 0)
            if reg.enabled is not None:
                due = tf.logical_and(bool(reg.enabled), due)
            size = tf.shape(self.task.real_images(batch))[0]
            value = tf.cond(due, lambda reg=reg: tf.cast(reg.fn(batch, **tensors), tf.float32),
                            lambda: tf.zeros([size], tf.float32))
            reduced = reduce_global_batch(value)
            loss = loss + tf.cast(reduced * (reg.weight * reg.interval), loss.dtype)
            logs[reg.name] = reduced
            logs[f"_due_{reg.name}"] = tf.cast(due, tf.float32)
        penalty = self.weight_penalty(player)
        if penalty is not None:
            n, _ = replica_info()
            # A weight penalty: each replica adds 1/N of it so the summed gradients count it once.
            value, name = penalty
            loss = loss + tf.cast(value / n, loss.dtype)
            logs[name] = value / n
        return loss

    # Objective hooks (families override what their paper uses).
    def discriminator_loss(self, real_outputs, fake_outputs):
        """Per-example adversarial loss of the discriminator."""
        raise NotImplementedError(f"{type(self).__name__} must define discriminator_loss or its own train_step.")

    def generator_loss(self, fake_outputs):
        """Per-example adversarial loss of the generator."""
        raise NotImplementedError(f"{type(self).__name__} must define generator_loss or its own train_step.")

    def discriminator_penalty(self, real, fake, batch):
        """`(weighted per-example penalty, {log_name: per-example value})` added to the D loss, or None."""
        return None

    def generator_penalty(self, fake, batch):
        """`(weighted per-example term, {log_name: per-example value})` added to the G loss, or None."""
        return None

    def weight_penalty(self, player):
        """`(scalar, log_name)`: a penalty on `player`'s weights (not per example), or None."""
        return None

    def lazy_regularizers(self) -> list:
        """`LazyRegularizer`s: per-example terms that run every `interval` updates of their player, weighted by
        `weight * interval` (StyleGAN2's R1 every 16 D updates; StyleGAN's R1 with interval 1)."""
        return []

    def after_update(self, player, logs):
        """Runs after each update of `player`, outside its gradient computation, with the logs its objective
        returned (which may carry `_`-prefixed tensors for this hook): running statistics a loss computed, such as
        StyleGAN2's path-length mean. Default: nothing."""

    def after_step(self, batch):
        """Runs after the generator update: the EMA generator by default."""
        ema = getattr(self, "generator_ema", None)
        if ema is not None:
            self.update_ema(ema, self.generator, self.ema_decay)

    def track_logs(self, logs):
        """Tracks the step's logs whose names are loss trackers; a lazy regularizer's log is averaged over the
        steps it ran."""
        n, _ = replica_info()
        for name, value in logs.items():
            if name in self.loss_trackers:
                due = logs.get(f"_due_{name}")
                self.loss_trackers[name].update_state(tf.cast(value, tf.float32) * n, sample_weight=due)

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
            # Keras 3.15 reduces scalar logs along axis 0 under MWMS (docs/FRAMEWORK_NOTES.md#mwms-scalar-logs).
            out = {k: tf.reshape(v, [1]) for k, v in out.items()}
        return out

    @property
    def metrics(self):
        return list(self.loss_trackers.values())

    # -------------------------------------------------------------------------- saving: the noise seeds travel too
    _SEED_KEY = "seed_state_"

    def _seed_states(self):
        return [v for v in self.variables if v.path.endswith("seed_generator_state")]

    def save_own_variables(self, store):
        """Keras' own variables plus the states of the random seed generators (the training noise, dropout), which
        Keras' saving leaves out: a `.keras` / `.weights.h5` file (and `BackupAndRestore`) then continues the
        same noise sequence as the run it was saved from."""
        super().save_own_variables(store)
        for i, v in enumerate(self._seed_states()):
            store[f"{self._SEED_KEY}{i}"] = v

    def load_own_variables(self, store):
        keys = list(store.keys())
        seeds = {k: store[k] for k in keys if k.startswith(self._SEED_KEY)}
        super().load_own_variables({k: store[k] for k in keys if not k.startswith(self._SEED_KEY)})
        states = self._seed_states()
        if seeds and len(seeds) != len(states):
            raise ValueError(f"The file holds {len(seeds)} random seed states; {type(self).__name__} has "
                             f"{len(states)}. Was it saved from another configuration of this model?")
        for i, v in enumerate(states if seeds else []):  # files written before seeds were saved have none
            v.assign(seeds[f"{self._SEED_KEY}{i}"])

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

    #: constructor arguments renamed since configs were written: {old name: new name}; `from_config` maps them.
    renamed_params = {"loss": "adversarial_loss"}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)
        params = inspect.signature(cls.__init__).parameters
        for old, new in cls.renamed_params.items():
            if old in config and old not in params and new in params:
                config[new] = config.pop(old)
        return cls(**config)

    # ----------------------------------------------------------------------------------------- serving
    @property
    def inference_generator(self):
        """The generator inference and export use: the EMA generator where the model keeps one."""
        return getattr(self, "generator_ema", None) or self.generator

    def call(self, inputs, training=False):
        return self.inference_generator(inputs, training=training)

    def serving_signatures(self) -> dict:
        """{endpoint_name: (fn, [tf.TensorSpec, ...])}: what export writes; the task gives the defaults."""
        return self.task.serving_signatures(self)

    def summary_of_parameters(self) -> dict:
        """Trainable parameter counts per sub-model."""
        counts = {}
        for player, models in self.player_models().items():
            for m in models:
                counts[m.name] = int(sum(np.prod(v.shape) for v in m.trainable_variables))
        return counts
