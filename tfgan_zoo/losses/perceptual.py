"""Perceptual (feature-space) losses on a frozen feature network: VGG19 (SRGAN, ESRGAN, Pix2PixHD, GauGAN) or,
offline, the shipped digits classifier.

`PerceptualLoss(...)(fake, real)` returns one loss per example: the weighted sum over the chosen layers of the
mean L1 / L2 distance between the two images' features. The feature network is frozen and deliberately hidden
from Keras' tracking: its variables are never among a model's (trainable) weights and are not written to the
model's `.weights.h5`; the layer serialises as its config, and the weights are read again from their file.

Layer names follow Keras' VGG19 (`block5_conv4`, …). A `block{b}_conv{i}` name is taken after its ReLU unless
`before_activation=True`; `relu{b}_{i}` (always after the ReLU) and `conv{b}_{i}` (always before) name one layer
explicitly, so `relu1_1` = `block1_conv1` after the activation and `conv5_4` = `block5_conv4` before it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import keras
import tensorflow as tf

from tfgan_zoo.losses.reduction import per_example_mean

#: Environment variable read when `weights_path` is not given.
VGG19_WEIGHTS_ENV = "TFGAN_ZOO_VGG19_WEIGHTS"
#: The file Keras publishes for `keras.applications.VGG19(include_top=False, weights="imagenet")`.
VGG19_WEIGHTS_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
VGG19_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/" + VGG19_WEIGHTS_FILE
)
#: Caffe/ImageNet preprocessing of keras.applications.vgg19: BGR order, these means subtracted from [0, 255].
CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)
NETWORKS = ("vgg19", "digits")
DISTANCES = ("l1", "l2")

#: Named layer sets. `vgg19` is the published one; `digits` is its stand-in on the digits classifier's 3 blocks.
PRESETS = {
    # Pix2PixHD / SPADE (GauGAN): relu1_1 … relu5_1, weights 1/32 … 1, L1 (official VGGLoss).
    "pix2pixhd": {
        "vgg19": {
            "layers": ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"],
            "layer_weights": [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1.0],
            "distance": "l1",
        },
        "digits": {
            "layers": ["relu1_1", "relu2_1", "relu3_1"],
            "layer_weights": [1 / 4, 1 / 2, 1.0],
            "distance": "l1",
        },
    },
    # SRGAN: phi_5,4 (after ReLU), MSE; the paper rescales the features by 1/12.75, i.e. the loss by 1/12.75^2.
    "srgan": {
        "vgg19": {"layers": ["relu5_4"], "layer_weights": [1 / 12.75**2], "distance": "l2"},
        "digits": {"layers": ["relu3_1"], "layer_weights": [1.0], "distance": "l2"},
    },
    # ESRGAN: conv5_4 before the activation, L1, weight 1 (BasicSR's PerceptualLoss with use_input_norm).
    "esrgan": {
        "vgg19": {"layers": ["conv5_4"], "layer_weights": [1.0], "distance": "l1"},
        "digits": {"layers": ["conv3_1"], "layer_weights": [1.0], "distance": "l1"},
    },
}
PRESETS["gaugan"] = PRESETS["spade"] = PRESETS["pix2pixhd"]

_NAME = re.compile(r"^(?:block(\d+)_conv(\d+)|relu(\d+)_(\d+)|conv(\d+)_(\d+))$")


class _Frozen:
    """A plain holder: Keras and tf.Module do not track what it holds, so the feature network's variables stay
    out of the owning model's weights, checkpoints and exports."""

    def __init__(self, network):
        self.network = network
        self.convs = [layer for layer in network.layers if isinstance(layer, keras.layers.Conv2D)]
        self.sequence = [
            layer for layer in network.layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.MaxPooling2D))
        ]


def _missing_vgg19_message(path) -> str:
    where = f"'{path}' does not exist" if path else f"no weights file was given and ${VGG19_WEIGHTS_ENV} is not set"
    return (
        f"PerceptualLoss(network='vgg19') needs the ImageNet VGG19 weights, but {where}. Expected Keras' file "
        f"{VGG19_WEIGHTS_FILE} (download it from {VGG19_WEIGHTS_URL}), then name it with the model parameter "
        f"`perceptual_weights_path` (PerceptualLoss(weights_path=...)) or the environment variable "
        f"{VGG19_WEIGHTS_ENV}. For an offline run without it, set `perceptual_network: digits` "
        "(PerceptualLoss(network='digits')), which uses the shipped digits classifier."
    )


def _build_vgg19(weights_path):
    path = weights_path or os.environ.get(VGG19_WEIGHTS_ENV) or None
    if not path or not Path(path).is_file():
        raise FileNotFoundError(_missing_vgg19_message(path))
    vgg = keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))
    try:
        vgg.load_weights(str(path))
    except Exception as err:  # noqa: BLE001 - re-raised with the fix
        raise ValueError(
            f"Could not load VGG19 weights from '{path}': {err}. Expected Keras' {VGG19_WEIGHTS_FILE} "
            f"(the include_top=False file from {VGG19_WEIGHTS_URL})."
        ) from err
    return vgg


def _build_digits():
    from tfgan_zoo.evaluation.digits import load_digits_classifier

    classifier, _ = load_digits_classifier()
    return classifier


class PerceptualLoss(keras.layers.Layer):
    """Distance between two images' features in a frozen network; `call(fake, real)` → per-example loss `[B]`.

    Args:
        network: 'vgg19' (ImageNet weights from `weights_path`) or 'digits' (the shipped digits classifier,
            for offline runs; RGB inputs are converted to luma).
        layers: feature layers (see the module docstring for names); default: the network's deepest conv.
        layer_weights: one weight per layer (default all 1).
        distance: 'l1' (mean absolute) or 'l2' (mean squared) difference of the features.
        weights_path: the VGG19 `.h5` file (Keras' notop file); default env `TFGAN_ZOO_VGG19_WEIGHTS`.
        before_activation: take `block*_conv*` layers before their ReLU (ESRGAN).
        input_range: the value range of the images passed in, mapped to the network's own preprocessing.

    Example:
        >>> loss = PerceptualLoss.preset("esrgan", network="digits")
        >>> loss(tf.zeros([2, 16, 16, 3]), tf.ones([2, 16, 16, 3])).shape
        TensorShape([2])
    """

    def __init__(
        self,
        network="vgg19",
        layers=None,
        layer_weights=None,
        distance="l1",
        weights_path=None,
        before_activation=False,
        input_range=(-1, 1),
        **kwargs,
    ):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if network not in NETWORKS:
            raise ValueError(f"PerceptualLoss network must be one of {NETWORKS}, got {network!r}.")
        if distance not in DISTANCES:
            raise ValueError(f"PerceptualLoss distance must be one of {DISTANCES}, got {distance!r}.")
        if len(tuple(input_range)) != 2 or float(input_range[1]) <= float(input_range[0]):
            raise ValueError(f"input_range must be (low, high) with high > low, got {input_range!r}.")
        self.network = network
        self.distance = distance
        self.weights_path = None if weights_path is None else str(weights_path)
        self.before_activation = bool(before_activation)
        self.input_range = (float(input_range[0]), float(input_range[1]))
        net = _build_vgg19(self.weights_path) if network == "vgg19" else _build_digits()
        net.trainable = False
        self._frozen = _Frozen(net)
        self.in_channels = int(net.inputs[0].shape[-1])
        if layers is None:
            layers = [self._frozen.convs[-1].name]
        layers = [str(name) for name in layers]
        if not layers:
            raise ValueError("PerceptualLoss needs at least one layer.")
        if layer_weights is None:
            layer_weights = [1.0] * len(layers)
        layer_weights = [float(w) for w in layer_weights]
        if len(layer_weights) != len(layers):
            raise ValueError(f"layer_weights has {len(layer_weights)} entries for {len(layers)} layers {layers}.")
        self.feature_layers = layers
        self.layer_weights = layer_weights
        self._targets = [self._resolve(name) for name in layers]  # (conv name, after_relu)
        self.built = True  # nothing to build: the frozen network is complete
        self._depth = max(self._frozen.sequence.index(net.get_layer(conv)) for conv, _ in self._targets)

    @classmethod
    def preset(cls, name: str, network: str = "vgg19", **overrides) -> PerceptualLoss:
        """The published layer set `name` ('pix2pixhd', 'spade', 'gaugan', 'srgan', 'esrgan') on `network`."""
        if name not in PRESETS:
            raise ValueError(f"Unknown perceptual preset {name!r}; choose one of {sorted(PRESETS)}.")
        if network not in NETWORKS:
            raise ValueError(f"PerceptualLoss network must be one of {NETWORKS}, got {network!r}.")
        kwargs = dict(PRESETS[name][network])
        kwargs.update(overrides)
        return cls(network=network, **kwargs)

    def _resolve(self, name):
        match = _NAME.match(name)
        names = [c.name for c in self._frozen.convs]
        if not match:
            raise ValueError(
                f"Unknown perceptual layer {name!r}: use block<b>_conv<i>, relu<b>_<i> or conv<b>_<i>; "
                f"the {self.network} network has {names}."
            )
        if match.group(1):
            block, index, after = match.group(1), match.group(2), not self.before_activation
        elif match.group(3):
            block, index, after = match.group(3), match.group(4), True
        else:
            block, index, after = match.group(5), match.group(6), False
        conv = f"block{block}_conv{index}"
        if conv not in names:
            raise ValueError(f"Perceptual layer {name!r} ({conv}) is not in the {self.network} network: {names}.")
        return conv, after

    def get_feature_network(self):
        """The frozen feature network (a method, not a property: Keras' saving walks properties)."""
        return self._frozen.network

    def preprocess(self, images):
        """Images in `input_range` → the network's input (VGG19: caffe BGR minus mean; digits: [-1, 1] luma)."""
        x = tf.cast(images, tf.float32)
        low, high = self.input_range
        x = (x - low) / (high - low)  # [0, 1]
        channels = x.shape[-1]
        if self.network == "vgg19":
            if channels == 1:
                x = tf.tile(x, [1, 1, 1, 3])
            elif channels != 3:
                raise ValueError(f"PerceptualLoss(vgg19) takes 1 or 3 channels, got {channels}.")
            x = x[..., ::-1] * 255.0 - tf.constant(CAFFE_BGR_MEAN, tf.float32)
            return x
        if channels == 3:
            x = tf.reduce_sum(x * tf.constant([0.299, 0.587, 0.114], tf.float32), axis=-1, keepdims=True)
        elif channels != 1:
            raise ValueError(f"PerceptualLoss(digits) takes 1 or 3 channels, got {channels}.")
        return x * 2.0 - 1.0

    def features(self, images) -> dict:
        """`{layer name: features}` of `images` (in `input_range`) for the configured layers."""
        x = self.preprocess(images)
        wanted = {}
        for conv, after in self._targets:
            wanted.setdefault(conv, set()).add(after)
        found = {}
        # float32 throughout, whatever the dtype policy (a mixed_float16 model's losses stay float32)
        for layer in self._frozen.sequence[: self._depth + 1]:
            if isinstance(layer, keras.layers.MaxPooling2D):
                x = tf.nn.max_pool2d(x, layer.pool_size, layer.strides, layer.padding.upper())
                continue
            pre = tf.nn.conv2d(x, tf.cast(layer.kernel, tf.float32), layer.strides, layer.padding.upper(),
                               dilations=layer.dilation_rate)
            if layer.use_bias:
                pre = pre + tf.cast(layer.bias, tf.float32)
            x = layer.activation(pre)
            if layer.name in wanted:
                found[(layer.name, False)] = pre
                found[(layer.name, True)] = x
        return {name: tf.cast(found[target], tf.float32) for name, target in zip(self.feature_layers, self._targets)}

    def call(self, fake, real):
        fake_features = self.features(fake)
        real_features = self.features(tf.stop_gradient(real))
        total = 0.0
        for name, weight in zip(self.feature_layers, self.layer_weights):
            diff = fake_features[name] - real_features[name]
            total = total + weight * per_example_mean(tf.abs(diff) if self.distance == "l1" else tf.square(diff))
        return total

    def get_config(self):
        config = super().get_config()
        config.update(
            network=self.network,
            layers=list(self.feature_layers),
            layer_weights=list(self.layer_weights),
            distance=self.distance,
            weights_path=self.weights_path,
            before_activation=self.before_activation,
            input_range=list(self.input_range),
        )
        return config
