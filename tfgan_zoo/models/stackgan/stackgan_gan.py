"""StackGAN: text to image in two stages with Conditioning Augmentation (Zhang et al. 2017)."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.base.text_to_image import TextConditionedGenerator, TextToImageGAN
from tfgan_zoo.models.stackgan import stackgan_networks
from tfgan_zoo.registry import register_model


class StackedImageGenerator(keras.Model):
    """Stage-II's image network: latents `[z, ε₁, ε₂]` → the frozen Stage-I generator on `[z, ε₁]` (inference mode,
    no gradient) → the Stage-II network on (Stage-I image, ε₂, text)."""

    def __init__(self, stage1, stage2, z_dim, condition_dim, name="image_generator", **kwargs):
        super().__init__(name=name, **kwargs)
        self.stage1, self.stage2 = stage1, stage2
        self.split = z_dim + condition_dim
        self.built = True

    def call(self, inputs, training=False):
        latents, embeddings = inputs
        low = tf.stop_gradient(self.stage1([latents[:, : self.split], embeddings], training=False))
        return self.stage2([low, latents[:, self.split:], embeddings], training=training)


@register_model("stackgan")
class StackGAN(TextToImageGAN):
    """StackGAN: Conditioning Augmentation ĉ = μ(t) + σ(t)·ε with a KL(N(μ, σ²) ‖ N(0, I)) term, Stage-I
    (ĉ, z) → 64 × 64 and Stage-II (Stage-I image, ĉ) → 256 × 256, each with a matching-aware discriminator
    conditioned on μ. Stage-II trains with Stage-I frozen: build the model with `stage=2` (and `stage1_weights` at the
    trained Stage-I's checkpoints or weights file); a Stage-II model holds the frozen Stage-I generator inside its
    generator, so its checkpoints, resume, export and serving carry the whole cascade.

    Args:
        stage: 1 (train Stage-I) or 2 (train Stage-II on top of a frozen Stage-I).
        image_size: the output size of this stage: 64 (Stage-I) or 256 (Stage-II) in the paper; Stage-II's Stage-I
            works at image_size / 4.
        channels: 3.
        z_dim: size of z (100); condition_dim: size of ĉ (128). The latent input is `[z, ε]` (Stage-I) or
            `[z, ε₁, ε₂]` (Stage-II): `latent_dim` = z_dim + stage · condition_dim.
        embedding_dim: text embedding size (1,024 char-CNN-RNN; 128 for the digit-caption encoder).
        g_base_filters, d_base_filters: the official GF_DIM and DF_DIM (CUB 128 / 64, COCO 192 / 96).
        residual_blocks: Stage-II's residual blocks (R_NUM, 2).
        stage1_base_filters: Stage-II only: the frozen Stage-I's GF_DIM when it differs from Stage-II's (0: the same,
            as the official code, which shares GF_DIM between the stages).
        kl_weight: λ of the KL term (1 in the paper; 2 in the official configurations).
        stage1_weights: Stage-II only: the trained Stage-I StackGAN of the same settings: its run's checkpoints
            folder, a `.weights.h5` / `.keras` file, a preset folder or a shipped preset's name
            ('stackgan_digits_16'); '' leaves Stage-I as initialized (tests).
        text_encoder: a shipped text encoder built into the generator ('digit_captions_text_encoder') or ''.
        learning_rate, beta_1: Adam (2e-4, 0.5); `lr_decay_steps`: halve the learning rate every that many updates
            (the paper: every 100 epochs); 0 keeps it constant.
        g_learning_rate, d_learning_rate: a player's own learning rate (None: `learning_rate`, as the official code,
            which shares it). The offline digits Stage-II preset sets G to 1e-3: at 2e-4 its G never left the grey
            output of its N(0, 0.02) initialisation before D separated real from fake (docs/RECIPES.md).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("stackgan", stage=2, image_size=32, channels=1, embedding_dim=128,
        ...                           condition_dim=8, z_dim=8, g_base_filters=4, d_base_filters=4,
        ...                           text_encoder="digit_captions_text_encoder")
        >>> m.generate_from_text(["a thick seven"], seed=1).shape
        (1, 32, 32, 1)

    Reference:
        Zhang, Xu, Li, Zhang, Wang, Huang & Metaxas, "StackGAN: Text to Photo-realistic Image Synthesis with Stacked
        Generative Adversarial Networks", ICCV 2017, arXiv:1612.03242 (official code: hanzhanggit/StackGAN-Pytorch).
    """

    #: arguments that name another model's weights; `tfgan_zoo.build_model` turns a preset name there into the
    #: preset's verified weights file.
    WEIGHTS_ARGUMENTS = ("stage1_weights",)
    loss_names = TextToImageGAN.loss_names + ("g_kl",)
    tflite_quantization_bounds = {
        "dynamic": {"max_abs_error": 0.25, "min_psnr_db": 40.0,
                    "why": "the quantized Conditioning Augmentation dense layer's log σ² is exponentiated, so its "
                           "weight rounding is amplified before it reaches every pixel (tiny config, randomized "
                           "weights: max 0.035, 50.6 dB in some runs, above the zoo's 0.03 default), and a Stage-II "
                           "cascade stacks two quantized generators (stackgan_digits_64: max 0.134, mean 0.0055, "
                           "44.9 dB; ~2x headroom)"},
        "int8": {"max_abs_error": 0.3, "min_psnr_db": 32.0,
                 "why": "Conditioning Augmentation feeds μ + σ·ε (σ = exp(½ log σ²) of a quantized dense layer) into "
                        "the first dense layer, so 8-bit error of the exponentiated σ and of the text projection "
                        "spreads over every pixel through the upsampling stack (tiny config, randomized weights: max "
                        "0.109, mean 0.017, 38.5 dB, above the zoo's 0.1 default; ~3x headroom)"},
    }

    def __init__(
        self,
        stage=1,
        image_size=64,
        channels=3,
        z_dim=100,
        condition_dim=128,
        embedding_dim=1024,
        g_base_filters=128,
        d_base_filters=64,
        residual_blocks=2,
        stage1_base_filters=0,
        kl_weight=1.0,
        stage1_weights="",
        text_encoder="",
        learning_rate=2e-4,
        beta_1=0.5,
        lr_decay_steps=0,
        g_learning_rate=None,
        d_learning_rate=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if stage not in (1, 2):
            raise ValueError(f"StackGAN stage must be 1 or 2, got {stage!r}.")
        if stage == 2 and image_size % 4:
            raise ValueError(f"A Stage-II StackGAN's image_size is 4 × its Stage-I's; got {image_size}.")
        self.stage, self.image_size, self.channels = stage, image_size, channels
        self.z_dim, self.condition_dim, self.embedding_dim = z_dim, condition_dim, embedding_dim
        self.g_base_filters, self.d_base_filters, self.residual_blocks = g_base_filters, d_base_filters, residual_blocks
        self.stage1_base_filters = stage1_base_filters
        self.kl_weight, self.stage1_weights, self.text_encoder = kl_weight, stage1_weights, text_encoder
        self.learning_rate, self.beta_1, self.lr_decay_steps = learning_rate, beta_1, lr_decay_steps
        self.g_learning_rate, self.d_learning_rate = g_learning_rate, d_learning_rate
        self.latent_dim = z_dim + stage * condition_dim
        stage1_size = image_size if stage == 1 else image_size // 4
        self.stage1_generator = stackgan_networks.build_stage1_generator(z_dim, embedding_dim, condition_dim,
                                                                         stage1_size, channels,
                                                                         stage1_base_filters or g_base_filters)
        if stage == 1:
            image_generator = self.stage1_generator
            self.conditioning = self.stage1_generator.get_layer("ca_net")
        else:
            self.stage1_generator.trainable = False  # frozen: Stage-II trains on top of it
            self.stage2_generator = stackgan_networks.build_stage2_network(
                embedding_dim, condition_dim, stage1_size, channels, g_base_filters, residual_blocks)
            image_generator = StackedImageGenerator(self.stage1_generator, self.stage2_generator, z_dim, condition_dim)
            self.conditioning = self.stage2_generator.get_layer("ca_net")
        self.generator = TextConditionedGenerator(image_generator, self.build_text_encoder())
        self.discriminator = stackgan_networks.build_discriminator(image_size, channels, condition_dim,
                                                                   d_base_filters, stage)
        if stage == 2 and stage1_weights:
            self.load_stage1(stage1_weights)
        self._finish_init()

    def get_config(self):
        """The constructor arguments, with `stage1_weights` cleared: the frozen Stage-I is part of this model's own
        variables, so a `.keras` file, a preset or a clone never needs the Stage-I source again."""
        return {**super().get_config(), "stage1_weights": ""}

    # ------------------------------------------------------------------------------------------ stages
    def load_stage1(self, source):
        """Copies the generator of a trained Stage-I StackGAN into this Stage-II model's frozen Stage-I. `source`: its
        training run's checkpoints folder (or a `tf.train` prefix), a `.weights.h5` or a `.keras` file, a preset's
        folder (it holds `model.weights.h5`). A shipped preset's name becomes its verified weights file in
        `tfgan_zoo.build_model` and configs (`WEIGHTS_ARGUMENTS`), a layer above the families."""
        import os

        source = os.fspath(source)
        if os.path.isdir(source) and os.path.exists(os.path.join(source, "model.weights.h5")):
            source = os.path.join(source, "model.weights.h5")  # a preset folder
        if not (os.path.exists(source) or os.path.exists(f"{source}.index")):
            raise ValueError(f"stage1_weights {source!r} does not exist. Give the Stage-I run's checkpoints folder, a "
                             ".weights.h5 / .keras file or a preset folder; a shipped preset's name works through "
                             "tfgan_zoo.build_model / a config, or pass "
                             "tfgan_zoo.pretrained.presets.preset_weights_file(name).")
        try:
            if source.endswith(".keras"):
                stage1 = keras.saving.load_model(source)
            else:
                stage1 = type(self)(**self.stage1_settings())
                if source.endswith(".h5"):
                    stage1.load_weights(source)
                else:
                    prefix = tf.train.latest_checkpoint(source) if os.path.isdir(source) else source
                    if prefix is None:
                        raise ValueError(f"no tf.train checkpoint in {source!r}")
                    tf.train.Checkpoint(model=stage1).restore(prefix).expect_partial().assert_existing_objects_matched()
        except (ValueError, AssertionError) as e:
            raise ValueError(f"The Stage-I model of {source!r} does not fit this Stage-II model's settings "
                             f"{self.stage1_settings()}: {str(e).splitlines()[0]}") from e
        if not isinstance(stage1, StackGAN) or stage1.stage != 1:
            raise ValueError(f"stage1_weights {source!r} is not a Stage-I StackGAN.")
        self.stage1_generator.set_weights(stage1.stage1_generator.get_weights())

    def stage1_settings(self) -> dict:
        """Constructor arguments of the Stage-I StackGAN this Stage-II model builds on."""
        return dict(stage=1, image_size=self.image_size // 4 if self.stage == 2 else self.image_size,
                    channels=self.channels, z_dim=self.z_dim, condition_dim=self.condition_dim,
                    embedding_dim=self.embedding_dim, g_base_filters=self.stage1_base_filters or self.g_base_filters,
                    d_base_filters=self.d_base_filters, text_encoder=self.text_encoder)

    def stage1_images(self, latents, embeddings):
        """The frozen Stage-I images under a Stage-II model (or Stage-I's own output), numpy."""
        latents = tf.convert_to_tensor(latents, tf.float32)[:, : self.z_dim + self.condition_dim]
        embeddings = tf.convert_to_tensor(embeddings, tf.float32)
        outs = [tf.cast(self.stage1_generator([latents[i:i + 64], embeddings[i:i + 64]], training=False),
                        tf.float32).numpy() for i in range(0, int(latents.shape[0]), 64)]
        return np.concatenate(outs)

    # ------------------------------------------------------------------------------------------ objective
    def condition(self, embedding):
        """D is conditioned on the CA mean μ of the stage being trained, detached (as the official code)."""
        mu, _ = self.conditioning(embedding, training=False)
        return tf.stop_gradient(mu)

    def generator_penalty(self, fake, batch):
        """λ · KL(N(μ, σ²) ‖ N(0, I)) per example, averaged over the condition dimensions as the official KL_loss."""
        mu, logvar = (tf.cast(v, tf.float32) for v in self.conditioning(batch["embedding"], training=True))
        kl = -0.5 * tf.reduce_mean(1.0 + logvar - tf.square(mu) - tf.exp(logvar), axis=-1)
        return self.kl_weight * kl, {"g_kl": kl}
