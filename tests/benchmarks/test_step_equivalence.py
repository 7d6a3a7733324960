"""Speed optimizations must not change what a train step computes.

DCGAN's step runs G once and reuses the fake batch for the G update (as pytorch/examples does). Its result must be
that of the textbook sequence written out by hand: D update on (real, G(z)), then the G update through the
*updated* D on G(z) of the same z.
"""

import keras
import numpy as np
import tensorflow as tf

import tfgan_zoo
from tests.conftest import load_tiny


def _build(weights=None):
    keras.utils.set_random_seed(0)
    m = tfgan_zoo.build_model(load_tiny("dcgan"))
    m.compile(g_optimizer=keras.optimizers.SGD(0.5), d_optimizer=keras.optimizers.SGD(0.5))
    if weights is not None:
        m.set_weights(weights)
    return m


def test_reused_fake_step_equals_the_hand_written_sequence():
    model = _build()
    assert type(model).reuse_fake_for_generator_step is True
    reference = _build(model.get_weights())
    real = tf.constant(np.random.default_rng(0).uniform(-1, 1, (8, 16, 16, 1)).astype("float32"))
    reference.seed_generator.state.assign(model.seed_generator.state)

    logs = model.train_step(real)

    # By hand, on the copy: same z, D step, then G step with a new forward of G on the same z.
    z = reference.sample_latents(8)
    fake = tf.stop_gradient(reference.generator(z, training=True))
    d_vars = reference.discriminator.trainable_variables
    with tf.GradientTape() as tape:
        d_loss = tf.reduce_mean(reference.discriminator_loss(
            reference.discriminator(real, training=True), reference.discriminator(fake, training=True)))
    reference.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
    g_vars = reference.generator.trainable_variables
    with tf.GradientTape() as tape:
        out = reference.discriminator(reference.generator(z, training=True), training=True)
        g_loss = tf.reduce_mean(reference.generator_loss(out))
    reference.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))

    np.testing.assert_allclose(float(logs["d_loss"]), float(d_loss), rtol=1e-5)
    np.testing.assert_allclose(float(logs["g_loss"]), float(g_loss), rtol=1e-5)
    changed = 0
    for a, b, before in zip(model.trainable_variables, reference.trainable_variables, _build().trainable_variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6, err_msg=a.path)
        changed += int(not np.allclose(a.numpy(), before.numpy()))
    assert changed == len(model.trainable_variables)  # every G and D weight was updated


def test_generator_batch_norm_statistics_move_once_per_step():
    model = _build()
    reference = _build(model.get_weights())
    reference.seed_generator.state.assign(model.seed_generator.state)
    real = tf.zeros((8, 16, 16, 1))
    model.train_step(real)
    reference.generator(reference.sample_latents(8), training=True)  # exactly one forward in training mode
    moving = [(a, b) for a, b in zip(model.generator.non_trainable_variables,
                                     reference.generator.non_trainable_variables)]
    assert moving
    for a, b in moving:
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-7, err_msg=a.path)
