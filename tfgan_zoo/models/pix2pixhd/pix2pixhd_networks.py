"""pix2pixHD's networks (Wang et al. 2018), layer by layer as the official NVIDIA/pix2pixHD `models/networks.py`.

Global generator G1 (`GlobalGenerator`, `--netG global`):

    ReflectionPad(3) - Conv7×7(ngf) - IN - ReLU
    n_downsample_global × [Conv3×3 stride 2, padding 1 (×2 filters) - IN - ReLU]
    n_blocks_global × ResnetBlock: x + [RPad(1) - Conv3×3 - IN - ReLU - RPad(1) - Conv3×3 - IN](x)
    n_downsample_global × [ConvTranspose3×3 stride 2, padding 1, output_padding 1 (÷2 filters) - IN - ReLU]
    ReflectionPad(3) - Conv7×7(3) - Tanh

Local enhancer G2 (`LocalEnhancer`, `--netG local`): G1 with ngf·2^n_local_enhancers filters runs on the input
average-pooled n_local_enhancers times (AvgPool 3, stride 2, padding 1, count_include_pad=False) and without its
last three layers; each enhancer n (from coarse to fine) adds its front end on the input at its own scale,
    RPad(3) - Conv7×7(ngf_n) - IN - ReLU - Conv3×3 stride 2 (2·ngf_n) - IN - ReLU,
to the previous output, then n_blocks_local ResnetBlocks(2·ngf_n) - ConvTranspose (ngf_n) - IN - ReLU, and the last
one ends with RPad(3) - Conv7×7(3) - Tanh.

Instance-wise feature encoder E (`Encoder`, nef = 16, n_downsample_E = 4): the same conv / transposed-conv chain
without residual blocks, Tanh, `feat_num` channels, then every channel is averaged over each instance (instance-wise
average pooling), so one object has one feature vector.

IN is InstanceNorm2d without affine parameters (the official `--norm instance`); convolutions keep their biases.
The discriminator is `tfgan_zoo.networks.semantic.build_multiscale_discriminator(layout='pix2pixhd')`.
Input of G: one-hot labels (+ instance boundary map) (+ the feature map), computed from the int maps inside.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfgan_zoo.layers.initializers import PerCall
from tfgan_zoo.networks.semantic import (
    AvgPoolNoPad,
    ReflectionPad,
    encode_labels,
    instance_norm,
    label_inputs,
)

INIT = PerCall(keras.initializers.RandomNormal(0.0, 0.02))


def _conv(x, filters, kernel, name, strides=1, pad=None):
    """Conv with PyTorch padding: 'reflect' k//2 (7×7 ends), zero `pad` (strided 3×3), or a ResnetBlock's reflect 1."""
    if pad == "reflect":
        x = ReflectionPad(kernel // 2, name=f"{name}_pad")(x)
    elif pad:
        x = keras.layers.ZeroPadding2D(pad, name=f"{name}_pad")(x)
    return keras.layers.Conv2D(filters, kernel, strides=strides, kernel_initializer=INIT, name=name)(x)


def _norm_relu(x, name):
    return keras.layers.ReLU(name=f"{name}_relu")(instance_norm(f"{name}_norm")(x))


def _up(x, filters, name):
    """ConvTranspose2d(3, stride 2, padding 1, output_padding 1): 'valid' and a one-pixel crop at the top left."""
    x = keras.layers.Conv2DTranspose(filters, 3, strides=2, kernel_initializer=INIT, name=name)(x)
    x = keras.layers.Cropping2D(((1, 0), (1, 0)), name=f"{name}_crop")(x)
    return _norm_relu(x, name)


def _resblock(x, dim, name):
    y = _conv(x, dim, 3, f"{name}_conv1", pad="reflect")
    y = _norm_relu(y, f"{name}_conv1")
    y = _conv(y, dim, 3, f"{name}_conv2", pad="reflect")
    y = instance_norm(f"{name}_conv2_norm")(y)
    return keras.layers.Add(name=f"{name}_add")([x, y])


def _global_body(x, ngf, n_down, n_blocks, prefix="global"):
    """G1 up to (not including) its output layers."""
    x = _norm_relu(_conv(x, ngf, 7, f"{prefix}_conv_in", pad="reflect"), f"{prefix}_conv_in")
    for i in range(n_down):
        x = _norm_relu(_conv(x, ngf * 2 ** (i + 1), 3, f"{prefix}_down{i + 1}", strides=2, pad=1),
                       f"{prefix}_down{i + 1}")
    for b in range(n_blocks):
        x = _resblock(x, ngf * 2**n_down, f"{prefix}_block{b + 1}")
    for i in range(n_down):
        x = _up(x, ngf * 2 ** (n_down - i - 1), f"{prefix}_up{i + 1}")
    return x


def _to_image(x, channels, name):
    x = _conv(x, channels, 7, name, pad="reflect")
    return keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)


def check_size(image_shape, n_down, what):
    factor = 2**n_down
    if any(d % factor for d in image_shape):
        raise ValueError(f"{what} downsamples {n_down} times: the image height and width must be divisible by "
                         f"{factor}; got {image_shape[0]}×{image_shape[1]}.")


def build_generator(num_classes, use_instances, feat_num, channels, image_shape, ngf=64, n_downsample_global=4,
                    n_blocks_global=9, n_local_enhancers=0, n_blocks_local=3, name="generator"):
    """G1 (`n_local_enhancers=0`) or G1 + local enhancers. Inputs `[labels, (instances,) (features [B, H, W,
    feat_num],)]`; output images in [-1, 1]."""
    check_size(image_shape, n_downsample_global + n_local_enhancers, "The pix2pixHD generator")
    inputs = label_inputs(image_shape, use_instances)
    x = encode_labels(inputs, num_classes, use_instances)
    if feat_num:
        features = keras.Input(tuple(image_shape) + (feat_num,), name="features")
        inputs.append(features)
        x = keras.layers.Concatenate(name="g_input")([x, features])
    if not n_local_enhancers:
        out = _to_image(_global_body(x, ngf, n_downsample_global, n_blocks_global), channels, "global_conv_out")
        return keras.Model(inputs, out, name=name)
    pyramid = [x]
    for i in range(n_local_enhancers):
        pyramid.append(AvgPoolNoPad(name=f"input_downsample{i + 1}")(pyramid[-1]))
    y = _global_body(pyramid[-1], ngf * 2**n_local_enhancers, n_downsample_global, n_blocks_global)
    for n in range(1, n_local_enhancers + 1):
        nf = ngf * 2 ** (n_local_enhancers - n)
        p = f"local{n}"
        z = _norm_relu(_conv(pyramid[n_local_enhancers - n], nf, 7, f"{p}_conv_in", pad="reflect"), f"{p}_conv_in")
        z = _norm_relu(_conv(z, nf * 2, 3, f"{p}_down", strides=2, pad=1), f"{p}_down")
        y = keras.layers.Add(name=f"{p}_merge")([z, y])
        for b in range(n_blocks_local):
            y = _resblock(y, nf * 2, f"{p}_block{b + 1}")
        y = _up(y, nf, f"{p}_up")
    return keras.Model(inputs, _to_image(y, channels, f"local{n_local_enhancers}_conv_out"), name=name)


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class InstanceAveragePool(keras.layers.Layer):
    """Replaces every feature by its mean over the pixels of the same instance (same example, same id): the
    official encoder's instance-wise average pooling. Sort-based (static shapes, so it runs under XLA)."""

    def call(self, features, instances):
        shape = tf.shape(features)
        b, c = shape[0], shape[3]
        ids = tf.cast(tf.reshape(instances, [b, -1]), tf.int64)
        key = tf.reshape(tf.cast(tf.range(b), tf.int64)[:, None] * (2**32) + ids, [-1])
        n = tf.size(key)
        order = tf.argsort(key, stable=True)
        sorted_key = tf.gather(key, order)
        new = tf.concat([tf.ones([1], tf.int32), tf.cast(sorted_key[1:] != sorted_key[:-1], tf.int32)], 0)
        segment = tf.scatter_nd(order[:, None], tf.cumsum(new) - 1, [n])
        flat = tf.reshape(tf.cast(features, tf.float32), [-1, c])
        sums = tf.math.unsorted_segment_sum(flat, segment, n)
        counts = tf.math.unsorted_segment_sum(tf.ones([n, 1], tf.float32), segment, n)
        means = tf.gather(sums / tf.maximum(counts, 1.0), segment)
        return tf.cast(tf.reshape(means, shape), features.dtype)

    def compute_output_shape(self, features_shape, instances_shape):
        return features_shape


def build_encoder(feat_num, channels, image_shape, nef=16, n_downsample=4, name="encoder"):
    """The instance-wise feature encoder: inputs `[images, instances]` → `[B, H, W, feat_num]` features, constant
    over each instance."""
    check_size(image_shape, n_downsample, "The pix2pixHD feature encoder")
    images = keras.Input(tuple(image_shape) + (channels,), name="images")
    instances = keras.Input(tuple(image_shape), dtype="int32", name="instances")
    x = _norm_relu(_conv(images, nef, 7, "enc_conv_in", pad="reflect"), "enc_conv_in")
    for i in range(n_downsample):
        x = _norm_relu(_conv(x, nef * 2 ** (i + 1), 3, f"enc_down{i + 1}", strides=2, pad=1), f"enc_down{i + 1}")
    for i in range(n_downsample):
        x = _up(x, nef * 2 ** (n_downsample - i - 1), f"enc_up{i + 1}")
    x = _conv(x, feat_num, 7, "enc_conv_out", pad="reflect")
    x = keras.layers.Activation("tanh", dtype="float32", name="enc_tanh")(x)
    return keras.Model([images, instances], InstanceAveragePool(name="instance_pool")(x, instances), name=name)
