"""Evaluation: metric functions, streaming Keras metrics, feature networks, named protocols and `evaluate()`.

Pure functions (numpy in, Python floats out, float64 inside):
    fid_from_features, frechet_distance, feature_statistics, kid_from_features, mmd2_unbiased,
    inception_score, precision_recall, density_coverage, per_class_coverage, parzen_estimate,
    parzen_log_likelihood, sliced_wasserstein_distance, psnr, ssim.
Streaming `keras.metrics.Metric`s (sums that aggregate across `tf.distribute` replicas):
    FrechetInceptionDistance, KernelInceptionDistance, InceptionScore.
Feature networks: load_inception (the 2015-12-05 TF graph from a local file), keras_inception_v3,
    DigitsFeatureNetwork (the shipped digits classifier).
Protocols: PROTOCOLS / list_protocols / get_protocol, evaluate(model, metrics, ...), EvaluationCallback,
    evaluate_config(config, checkpoint, metrics, ...) (restore a trained checkpoint of a config, then evaluate).

Example:
    >>> import numpy as np
    >>> from tfgan_zoo.evaluation import fid_from_features
    >>> x = np.random.default_rng(0).normal(size=(500, 8))
    >>> abs(fid_from_features(x, x)) < 1e-9
    True
"""

from tfgan_zoo.evaluation.callbacks import EvaluationCallback
from tfgan_zoo.evaluation.config_eval import evaluate_config
from tfgan_zoo.evaluation.digits import DigitsFeatureNetwork, digits_images, load_digits_classifier
from tfgan_zoo.evaluation.feature_network import RESIZERS, FeatureNetwork
from tfgan_zoo.evaluation.fid import FrechetInceptionDistance, feature_statistics, fid_from_features, frechet_distance
from tfgan_zoo.evaluation.image_quality import psnr, ssim
from tfgan_zoo.evaluation.inception import (
    KerasInceptionV3Network,
    TFInceptionNetwork,
    default_inception_path,
    keras_inception_v3,
    load_inception,
)
from tfgan_zoo.evaluation.inception_score import InceptionScore, inception_score
from tfgan_zoo.evaluation.kid import KernelInceptionDistance, kid_from_features, mmd2_unbiased, polynomial_kernel
from tfgan_zoo.evaluation.linear_separability import linear_separability
from tfgan_zoo.evaluation.parzen import parzen_estimate, parzen_log_likelihood, select_parzen_sigma
from tfgan_zoo.evaluation.perceptual_path_length import feature_distance, perceptual_path_length
from tfgan_zoo.evaluation.precision_recall import density_coverage, per_class_coverage, precision_recall
from tfgan_zoo.evaluation.protocols import (
    PROTOCOLS,
    EvaluationResult,
    Protocol,
    Reference,
    evaluate,
    get_protocol,
    list_protocols,
    resolve_feature_network,
)
from tfgan_zoo.evaluation.swd import laplacian_pyramid, sliced_wasserstein_distance

__all__ = [
    "DigitsFeatureNetwork", "EvaluationCallback", "EvaluationResult", "FeatureNetwork", "FrechetInceptionDistance",
    "InceptionScore", "KernelInceptionDistance", "KerasInceptionV3Network", "PROTOCOLS", "Protocol", "RESIZERS",
    "Reference", "TFInceptionNetwork", "default_inception_path", "density_coverage", "digits_images", "evaluate",
    "evaluate_config",
    "feature_statistics", "fid_from_features", "frechet_distance", "get_protocol", "inception_score",
    "keras_inception_v3", "kid_from_features", "laplacian_pyramid", "list_protocols", "load_digits_classifier",
    "load_inception", "mmd2_unbiased", "parzen_estimate", "parzen_log_likelihood", "per_class_coverage",
    "perceptual_path_length", "feature_distance", "linear_separability",
    "polynomial_kernel", "precision_recall", "psnr", "resolve_feature_network", "select_parzen_sigma",
    "sliced_wasserstein_distance", "ssim",
]
