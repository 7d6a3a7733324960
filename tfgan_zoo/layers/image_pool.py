"""A history of generated images for the discriminator (Shrivastava et al. 2017; CycleGAN's `ImagePool`).

The discriminator is updated on a mix of the newest fakes and fakes the generator made earlier, which damps
oscillation between G and D. Query rule, per image in order (as the CycleGAN code): while the pool holds fewer than
`pool_size` images, store the new image and return it; once full, with probability ½ return a uniformly chosen
stored image and put the new one in its place, otherwise return the new image.

The pool is model state: its images and fill count are non-trainable weights, so `.keras` files, `.weights.h5` and
step checkpoints carry it and a resumed run continues with the same pool. Under a `tf.distribute` strategy every
replica runs the query on the all-gathered global batch with the same random draws and keeps its own slice, so N
replicas hold the one pool a single device would (the variables are written by the first replica).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfgan_zoo.layers.minibatch_discrimination import gather_global_batch
from tfgan_zoo.layers.random import replica_info


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ImagePool(keras.layers.Layer):
    """A pool of up to `pool_size` images of shape `image_shape`; `query(images, seed)` → images for D.

    Args:
        pool_size: images kept (50 in CycleGAN); 0 disables the pool (`query` returns its input).
        image_shape: `(H, W, C)` of the images.

    Example:
        >>> import numpy as np, tensorflow as tf
        >>> pool = ImagePool(2, (4, 4, 1))
        >>> out = pool.query(tf.ones([3, 4, 4, 1]), seed=tf.constant([1, 2]))
        >>> int(pool.count.numpy()), out.shape
        (2, TensorShape([3, 4, 4, 1]))
    """

    def __init__(self, pool_size: int = 50, image_shape=(256, 256, 3), **kwargs):
        super().__init__(**kwargs)
        if int(pool_size) < 0:
            raise ValueError(f"pool_size must be >= 0 (0 disables the pool), got {pool_size}.")
        self.pool_size = int(pool_size)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.images = self.add_weight(shape=(max(self.pool_size, 1),) + self.image_shape, initializer="zeros",
                                      trainable=False, name="images", aggregation="only_first_replica")
        self.count = self.add_weight(shape=(), dtype="int32", initializer="zeros", trainable=False, name="count",
                                     aggregation="only_first_replica")
        self.built = True

    def query(self, images, seed):
        """Images for the discriminator: each new image, or (once the pool is full, with probability ½) a stored one
        that the new image replaces. `seed`: a stateless-RNG seed `[2]` (the same on every replica)."""
        if self.pool_size == 0:
            return images
        n, rid = replica_info()
        local = tf.shape(images)[0]
        full = gather_global_batch(tf.cast(images, tf.float32))
        size = full.shape[0]
        if size is None:
            raise ValueError("ImagePool.query needs a static batch size (fit drops the last partial batch).")
        seed = tf.cast(seed, tf.int32)
        coins = tf.random.stateless_uniform([size], seed=seed)
        picks = tf.random.stateless_uniform([size], seed=seed + 1, maxval=self.pool_size, dtype=tf.int32)
        pool = tf.convert_to_tensor(self.images)
        count = tf.convert_to_tensor(self.count)
        out = []
        for i in range(size):
            img = full[i]
            filling = count < self.pool_size
            swap = tf.logical_and(tf.logical_not(filling), coins[i] > 0.5)
            slot = tf.where(filling, count, picks[i])
            out.append(tf.where(swap, pool[picks[i]], img))
            write = tf.logical_or(filling, swap)
            pool = tf.tensor_scatter_nd_update(pool, [[slot]], [tf.where(write, img, pool[slot])])
            count = tf.where(filling, count + 1, count)
        self.images.assign(pool)
        self.count.assign(count)
        result = tf.stack(out)
        if n > 1:
            result = result[rid * local : (rid + 1) * local]
        return tf.cast(result, images.dtype)

    def call(self, images):
        return images

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "image_shape": list(self.image_shape)}
