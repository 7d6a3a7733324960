"""Inception feature networks: the TF graph that published FIDs use, and Keras InceptionV3 as the alternative.

* `load_inception(path)` loads the 2015-12-05 Inception graph (`classify_image_graph_def.pb` from
  `inception-2015-12-05.tgz`; TTUR's FID, OpenAI's Inception Score, StudioGAN and mimicry use it) or a SavedModel
  with `pool_3`/`logits` outputs such as TF-Hub's `tensorflow/tfgan/eval/inception/1`. Nothing is downloaded: the
  file must be on disk, and a missing file is an error that says where to get it and where to put it.
* `keras_inception_v3(weights=None | path)` builds `keras.applications.InceptionV3`. Its ImageNet weights are not
  the 2015 graph's, so its FIDs are *not* comparable to published ones; results are labelled with its name.
"""

from __future__ import annotations

import os
from pathlib import Path

import tensorflow as tf

from tfgan_zoo.evaluation.feature_network import FeatureNetwork
from tfgan_zoo.utils.hashing import sha256_of

INCEPTION_URL = "http://download.tensorflow.org/models/image/imagenet/inception-2015-12-05.tgz"
INCEPTION_GRAPH_FILE = "classify_image_graph_def.pb"
#: Environment variable naming the Inception graph file (or a SavedModel directory).
INCEPTION_ENV = "TFGAN_ZOO_INCEPTION"
KERAS_INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"


def default_inception_path() -> Path:
    """`$TFGAN_ZOO_INCEPTION`, else `~/.keras/tfgan_zoo/inception-2015-12-05/classify_image_graph_def.pb`."""
    env = os.environ.get(INCEPTION_ENV)
    if env:
        return Path(env).expanduser()
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    return keras_home / "tfgan_zoo" / "inception-2015-12-05" / INCEPTION_GRAPH_FILE


def _missing_inception_message(path: Path) -> str:
    default = default_inception_path()
    return (
        f"Inception network not found at '{path}'. FID/IS/KID protocols (fid50k, is50k, ...) use the TF Inception "
        f"graph of 2015-12-05, which tfgan_zoo never downloads. On a machine with network access download\n"
        f"    {INCEPTION_URL}\n"
        f"extract '{INCEPTION_GRAPH_FILE}' from it and put it at\n"
        f"    {default}\n"
        f"or anywhere else and pass its path (load_inception(PATH), evaluate(feature_net=PATH), "
        f"`tfgan-zoo eval --feature_net PATH`) or set {INCEPTION_ENV}=PATH. A SavedModel directory of TF-Hub's "
        "'tensorflow/tfgan/eval/inception/1' also works. Without either, use feature_net='digits' (bundled, for "
        "digits models) or 'keras_inception_v3' (labelled, not comparable to published numbers)."
    )


class TFInceptionNetwork(FeatureNetwork):
    """The 2015-12-05 Inception graph from a frozen GraphDef, or an Inception SavedModel.

    GraphDef: images enter at `ExpandDims:0` as floats in [0, 255], any size (the graph's own ResizeBilinear
    takes them to 299×299, which is the published protocol's resizer); features are `pool_3:0` (2048) and logits
    are pool_3 times the weights of `softmax/logits/MatMul` (1008 classes) without the bias, exactly as OpenAI's
    Inception Score code computes them. Images are quantized to uint8 levels first, as if saved as PNG.

    SavedModel: its first signature is called with 299×299 images in [-1, 1] (TF-GAN's preprocessing) and must
    return `pool_3` and `logits`.
    """

    feature_dim = 2048
    quantize = True

    def __init__(self, path, batch_size: int = 64):
        path = Path(path).expanduser()
        if path.is_dir() and (path / INCEPTION_GRAPH_FILE).is_file():
            path = path / INCEPTION_GRAPH_FILE
        if not path.exists():
            raise FileNotFoundError(_missing_inception_message(path))
        self.path = path
        self.batch_size = batch_size
        if path.is_dir():
            if not (path / "saved_model.pb").is_file():
                raise FileNotFoundError(
                    f"'{path}' is a directory without '{INCEPTION_GRAPH_FILE}' or 'saved_model.pb'.\n"
                    + _missing_inception_message(path)
                )
            self._load_saved_model(path)
            digest = "n/a (directory)"
        else:
            self._load_graph_def(path)
            digest = sha256_of(path)
        self.details = {"path": str(path), "sha256": digest, "format": self.format}

    # ------------------------------------------------------------------------------------------------ loaders
    def _load_graph_def(self, path: Path):
        graph_def = tf.compat.v1.GraphDef()
        try:
            graph_def.ParseFromString(path.read_bytes())
        except Exception as e:  # noqa: BLE001 - the protobuf error is not informative
            raise ValueError(f"'{path}' is not a TensorFlow GraphDef (.pb) file: {e}") from e
        names = {n.name for n in graph_def.node}
        missing = [n for n in ("ExpandDims", "pool_3", "softmax/logits/MatMul") if n not in names]
        if missing:
            raise ValueError(
                f"'{path}' does not look like the 2015-12-05 Inception graph: nodes {missing} are missing. Use "
                f"'{INCEPTION_GRAPH_FILE}' from {INCEPTION_URL}."
            )

        def run(images):
            (pool3,) = tf.compat.v1.import_graph_def(
                graph_def, input_map={"ExpandDims:0": images}, return_elements=["pool_3:0"], name="inception"
            )
            matmul = tf.compat.v1.get_default_graph().get_operation_by_name("inception/softmax/logits/MatMul")
            weights = matmul.inputs[1]
            features = tf.reshape(pool3, [-1, 2048])
            return features, tf.matmul(features, weights)

        self._fn = tf.compat.v1.wrap_function(run, [tf.TensorSpec([None, None, None, 3], tf.float32)])
        self.format = "graph_def"
        self.name = "tf_inception_2015_12_05"
        self.input_size = (299, 299)
        self.resizer = "graph_bilinear"
        self.input_range = (0.0, 255.0)
        self.num_classes = int(self._fn.outputs[1].shape[-1])

    def _load_saved_model(self, path: Path):
        loaded = tf.saved_model.load(str(path))
        signatures = dict(getattr(loaded, "signatures", {}) or {})
        if not signatures:
            raise ValueError(f"The SavedModel at '{path}' has no signatures; expected one returning pool_3 and logits.")
        key = next((k for k in ("default", "serving_default") if k in signatures), sorted(signatures)[0])
        sig = signatures[key]
        outputs = set(sig.structured_outputs)
        if not {"pool_3", "logits"} <= outputs:
            raise ValueError(
                f"Signature '{key}' of '{path}' returns {sorted(outputs)}; expected 'pool_3' and 'logits'.")
        _, kwargs = sig.structured_input_signature
        (input_name,) = list(kwargs)
        self._loaded = loaded

        def run(images):
            out = sig(**{input_name: images})
            return tf.reshape(out["pool_3"], [tf.shape(images)[0], -1]), out["logits"]

        self._fn = run
        self.format = "saved_model"
        self.name = "tf_inception_saved_model"
        self.input_size = (299, 299)
        self.resizer = "tf_bilinear"
        self.input_range = (-1.0, 1.0)
        self.num_classes = int(sig.structured_outputs["logits"].shape[-1])

    def _forward(self, x):
        return self._fn(x)

    def _graph_fn(self, image_shape):
        if self.format == "graph_def":  # already a concrete function
            return lambda x: self._fn(self.preprocess(x))
        return super()._graph_fn(image_shape)


def load_inception(path=None, batch_size: int = 64) -> TFInceptionNetwork:
    """Loads the TF Inception network from `path` (default: `default_inception_path()`).

    Args:
        path: `classify_image_graph_def.pb`, a directory holding it, or an Inception SavedModel directory.
    Raises:
        FileNotFoundError: with download and placement instructions when the file is absent.
    """
    return TFInceptionNetwork(default_inception_path() if path is None else path, batch_size=batch_size)


class KerasInceptionV3Network(FeatureNetwork):
    """`keras.applications.InceptionV3` (features: `avg_pool`, 2048; logits: the 1000-way head).

    Args:
        weights: None (random initialisation: for plumbing tests only), a local weights file (e.g. Keras'
            `inception_v3_weights_tf_dim_ordering_tf_kernels.h5`), or 'imagenet' if that file is already in
            `~/.keras/models` (never downloaded here).
        input_size: square input side (≥ 75; 299 for pretrained weights).
        resizer: see `RESIZERS`.
    """

    def __init__(self, weights=None, input_size: int = 299, resizer: str = "tf_bilinear", batch_size: int = 32):
        import keras

        if weights == "imagenet":
            keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
            cached = keras_home / "models" / KERAS_INCEPTION_WEIGHTS_FILE
            if not cached.is_file():
                raise FileNotFoundError(
                    f"Keras InceptionV3 ImageNet weights are not at '{cached}' and tfgan_zoo does not download them. "
                    f"Put '{KERAS_INCEPTION_WEIGHTS_FILE}' there or pass its path as weights=."
                )
            weights = str(cached)
        if weights is not None and not Path(weights).is_file():
            raise FileNotFoundError(f"InceptionV3 weights file '{weights}' does not exist.")
        if input_size < 75:
            raise ValueError(f"InceptionV3 needs inputs of at least 75×75, got {input_size}.")
        base = keras.applications.InceptionV3(
            include_top=True,
            weights=None,
            input_shape=(input_size, input_size, 3),
            classifier_activation=None,
        )
        if weights is not None:
            base.load_weights(str(weights))
        self.model = keras.Model(base.input, [base.get_layer("avg_pool").output, base.output],
                                 name="inception_v3_features")
        self.input_size = (input_size, input_size)
        self.resizer = resizer
        self.batch_size = batch_size
        self.feature_dim = 2048
        self.num_classes = int(base.output.shape[-1])
        label = "random_init" if weights is None else Path(weights).name
        self.name = f"keras_inception_v3[{label}]"
        self.details = {
            "weights": None if weights is None else str(weights),
            "sha256": None if weights is None else sha256_of(Path(weights)),
            "comparable_to_published": False,
        }

    def _forward(self, x):
        feats, logits = self.model(x, training=False)
        return feats, logits


def keras_inception_v3(weights=None, input_size: int = 299, resizer: str = "tf_bilinear") -> KerasInceptionV3Network:
    """Keras InceptionV3 as a feature network; see `KerasInceptionV3Network`."""
    return KerasInceptionV3Network(weights=weights, input_size=input_size, resizer=resizer)
