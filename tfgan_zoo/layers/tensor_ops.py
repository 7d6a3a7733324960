"""Small serializable tensor ops used inside functional networks (instead of `Lambda`, which does not reload
under Keras' safe mode)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ChannelSlice(keras.layers.Layer):
    """`x[..., start:stop]` (e.g. BigGAN's skip-z chunks and BigGAN-deep's channel-drop shortcut)."""

    def __init__(self, start, stop, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= start < stop:
            raise ValueError(f"ChannelSlice needs 0 <= start < stop, got {start}, {stop}.")
        self.start, self.stop = int(start), int(stop)

    def call(self, x):
        return x[..., self.start : self.stop]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.stop - self.start,)

    def get_config(self):
        return {**super().get_config(), "start": self.start, "stop": self.stop}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class GlobalSumPooling2D(keras.layers.Layer):
    """Sum over H and W: `[B, H, W, C]` → `[B, C]` (the SN-GAN/BigGAN discriminators' pooling)."""

    def call(self, x):
        return ops.sum(x, axis=(1, 2))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])
