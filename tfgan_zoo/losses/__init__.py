"""Losses and penalties as pure functions returning per-example values, plus the one reduction helper."""

from tfgan_zoo.losses.adversarial import (
    ADVERSARIAL_LOSSES,
    get_adversarial_loss,
    hinge_discriminator_loss,
    hinge_generator_loss,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
    minimax_discriminator_loss,
    minimax_generator_loss,
    non_saturating_generator_loss,
    wasserstein_discriminator_loss,
    wasserstein_generator_loss,
)
from tfgan_zoo.losses.feature_matching import feature_matching_loss, global_batch_mean
from tfgan_zoo.losses.historical_averaging import HistoricalAverage, historical_averaging_penalty
from tfgan_zoo.losses.information import (
    categorical_information_loss,
    gaussian_information_loss,
    mutual_information_lower_bound,
)
from tfgan_zoo.losses.label_smoothing import one_sided_smoothed_discriminator_loss
from tfgan_zoo.losses.orthogonal import orthogonal_penalty
from tfgan_zoo.losses.penalties import gradient_penalty, interpolate, r1_penalty
from tfgan_zoo.losses.reconstruction import l1_loss, l2_loss
from tfgan_zoo.losses.reduction import per_example_mean, reduce_global_batch
