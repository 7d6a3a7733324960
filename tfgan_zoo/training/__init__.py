"""Training: the trainer, callbacks, strategies and checkpoints."""

from tfgan_zoo.training.callbacks import (
    PlayerLearningRateScheduler,
    PlayerReduceLROnPlateau,
    SampleGrid,
    StepCheckpoint,
)
from tfgan_zoo.training.checkpoint import restore_model
from tfgan_zoo.training.distribute import StrategyError, get_strategy
from tfgan_zoo.training.trainer import TrainResult, WorkdirError, build_and_compile, train
