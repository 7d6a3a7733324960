"""GauGAN (SPADE): semantic image synthesis with spatially-adaptive normalization."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo.base.semantic import SemanticSynthesisGAN
from tfgan_zoo.layers.random import latents_from_seed
from tfgan_zoo.losses.reduction import per_example_mean
from tfgan_zoo.models.gaugan import gaugan_networks
from tfgan_zoo.networks.semantic import build_multiscale_discriminator
from tfgan_zoo.registry import register_model


@register_model("gaugan")
class GauGAN(SemanticSynthesisGAN):
    """GauGAN / SPADE: SPADE residual generator, 2-scale spectral-norm PatchGAN discriminator, hinge loss + D feature
    matching (λ = 10) + VGG19 perceptual (λ = 10) (+ KL 0.05 with the VAE style encoder), TTUR Adam (G 1e-4,
    D 4e-4, β1 = 0; β2 = 0.9 as the official code's TTUR branch — the paper states 0.999).

    With `use_vae=True` (the multimodal model) the generator starts from a style latent `[B, z_dim]`: in training
    the encoder's reparameterized code of the real image, at inference N(0, I) draws (`synthesize(labels,
    seed=...)`), a given latent (`latents=`) or a style image's code (`style_image=`: its mean μ, as the official
    `--use_vae` test code). The exported signatures take the latent (`serving_default` / `synthesize(labels,
    instances, latents)`); the style encoder is not exported (export ships the inference generator only), so a style
    image is encoded in Python (`model.encoder`) and its μ sent as `latents`. Without the VAE the generator starts
    from the label map downsampled to W/32 × H/32.

    Args:
        num_classes: label ids (151 for ADE20K with its 'other' label, 183/184 for COCO-Stuff, 35 for Cityscapes,
            11 for digit scenes).
        image_size: image height; aspect_ratio: width / height (Cityscapes 2). channels: 3.
        use_instances: add the instance boundary map (Cityscapes, COCO-Stuff; not ADE20K).
        ngf: generator width (64; 16·ngf channels at the start). ndf: discriminator width (64).
        z_dim, use_vae, encoder_size: the style encoder (256, True for multimodal synthesis, 256).
        num_upsampling_layers: 'normal' (5), 'more' (6), 'most' (7).
        spade_hidden: the SPADE conv width (128).
        n_layers_d, num_d: discriminator (4, 2).
        fm_weight, perceptual_weight, kl_weight: λ_feat 10, λ_vgg 10, λ_kld 0.05. perceptual_network: 'vgg19' or
            'digits' (offline); perceptual_weights_path: Keras' VGG19 notop `.h5`.
        g_learning_rate, d_learning_rate, beta_1, beta_2: TTUR Adam. seed: training noise seed.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("gaugan", num_classes=11, image_size=32, channels=1, ngf=2, ndf=4,
        ...                           spade_hidden=4, z_dim=8, encoder_size=32, perceptual_weight=0)
        >>> scenes = m.example_scenes(2, seed=0)
        >>> a = m.synthesize(scenes["labels"], scenes["instances"], seed=1)
        >>> b = m.synthesize(scenes["labels"], scenes["instances"], style_image=scenes["images"])
        >>> a.shape
        (2, 32, 32, 1)

    Reference:
        Park, Liu, Wang & Zhu, "Semantic Image Synthesis with Spatially-Adaptive Normalization", CVPR 2019,
        arXiv:1903.07291 (code: github.com/NVlabs/SPADE).
    """

    loss_names = SemanticSynthesisGAN.loss_names + ("g_kl",)
    tflite_quantization_bounds = {
        "dynamic": {"max_abs_error": 0.1, "min_psnr_db": 42.0,
                    "why": "dynamic-range quantization rounds the weights of SPADE's γ/β convs, whose outputs scale "
                           "every normalized feature map, so the weight error compounds over the 18 SPADE layers "
                           "(tiny config, randomized weights: max 0.036-0.037, 50.8-51.9 dB, above the zoo's 0.03 "
                           "default; bounds leave ~3x headroom)"},
        "int8": {"max_abs_error": 2.0, "min_psnr_db": 10.0,
                 "why": "SPADE's γ and β come from a conv net on the one-hot label map and scale whole normalized "
                        "feature maps, so 8-bit activation error of that net and of the parameter-free batch norm "
                        "compounds over the 18 SPADE layers (measured on the tiny config with randomized weights: max "
                        "1.36, mean 0.23, 15.7 dB); use float16 or dynamic-range quantization for this model"},
    }

    def __init__(
        self,
        num_classes=151,
        image_size=256,
        aspect_ratio=1.0,
        channels=3,
        use_instances=False,
        ngf=64,
        ndf=64,
        z_dim=256,
        use_vae=True,
        encoder_size=256,
        num_upsampling_layers="normal",
        spade_hidden=128,
        n_layers_d=4,
        num_d=2,
        fm_weight=10.0,
        perceptual_weight=10.0,
        kl_weight=0.05,
        perceptual_network="vgg19",
        perceptual_weights_path="",
        g_learning_rate=1e-4,
        d_learning_rate=4e-4,
        beta_1=0.0,
        beta_2=0.9,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.num_classes, self.image_size, self.aspect_ratio = int(num_classes), int(image_size), float(aspect_ratio)
        self.channels, self.use_instances = int(channels), bool(use_instances)
        self.ngf, self.ndf, self.z_dim, self.use_vae, self.encoder_size = ngf, ndf, int(z_dim), bool(use_vae), \
            encoder_size
        self.num_upsampling_layers, self.spade_hidden = num_upsampling_layers, spade_hidden
        self.n_layers_d, self.num_d = n_layers_d, num_d
        self.fm_weight, self.perceptual_weight, self.kl_weight = float(fm_weight), float(perceptual_weight), \
            float(kl_weight)
        self.perceptual_network, self.perceptual_weights_path = perceptual_network, perceptual_weights_path
        self.g_learning_rate, self.d_learning_rate = g_learning_rate, d_learning_rate
        self.beta_1, self.beta_2 = beta_1, beta_2
        self._check_shape()
        self._build_perceptual()
        shape = self.image_shape
        self.generator = gaugan_networks.build_generator(
            self.num_classes, self.use_instances, self.channels, shape, ngf, self.z_dim, self.use_vae,
            num_upsampling_layers, spade_hidden)
        self.discriminator = build_multiscale_discriminator(
            self.num_classes, self.use_instances, self.channels, shape, ndf, n_layers_d, num_d, layout="spade",
            spectral=True)
        if self.use_vae:
            self.encoder = gaugan_networks.build_encoder(self.channels, shape, ngf, self.z_dim, encoder_size)
        self._finish_init()

    # ------------------------------------------------------------------------------------------- players, inputs
    def player_models(self):
        return {"generator": [self.generator] + ([self.encoder] if self.use_vae else []),
                "discriminator": [self.discriminator]}

    def synthesis_specs(self):
        specs = self.label_specs()
        if self.use_vae:
            specs.append(tf.TensorSpec([None, self.z_dim], tf.float32, name="latents"))
        return specs

    def _encode(self, images, training):
        mu, logvar = self.encoder(images, training=training)
        return tf.cast(mu, tf.float32), tf.cast(logvar, tf.float32)

    def generator_inputs_from(self, batch):
        inputs = self.label_inputs_from(batch)
        if self.use_vae:  # the reparameterized style code of the real image (differentiable w.r.t. the encoder)
            mu, logvar = self._encode(batch["images"], training=True)
            eps = self.sample_latents(tf.shape(mu)[0], self.z_dim, "normal")
            inputs.append(mu + eps * tf.exp(0.5 * logvar))
        return inputs

    def extra_generator_terms(self, batch):
        if not self.use_vae or not self.kl_weight:
            return {}
        mu, logvar = self._encode(batch["images"], training=True)
        kl = -0.5 * tf.reduce_sum(1.0 + logvar - tf.square(mu) - tf.exp(logvar), axis=-1)
        return {"g_kl": (self.kl_weight, kl)}

    def style_inputs(self, n, labels=None, instances=None, seed=0, latents=None, style_image=None):
        """Style latents: `latents` [N, z_dim] as given, `style_image` [N or 1, H, W, C] → the encoder's μ, else
        N(0, I) draws from `seed` (the exported `sample`-style stateless draw)."""
        if not self.use_vae:
            if latents is not None or style_image is not None:
                raise ValueError("This GauGAN has no style encoder (use_vae=False): it takes no latents or "
                                 "style_image.")
            return {}
        if sum(v is not None for v in (latents, style_image)) > 1:
            raise ValueError("Pass one of latents= or style_image=, not both.")
        if style_image is not None:
            style = np.asarray(style_image, np.float32)
            h, w = self.image_shape
            style = style[None] if style.ndim == 3 else style
            if style.shape[1:] != (h, w, self.channels) or len(style) not in (1, n):
                raise ValueError(f"style_image must be [{h}, {w}, {self.channels}] or [N, {h}, {w}, {self.channels}] "
                                 f"in [-1, 1] (N = {n} label maps); got {style.shape}.")
            mu, _ = self._encode(style, training=False)
            return {"latents": np.broadcast_to(mu.numpy(), (n, self.z_dim)).copy()}
        if latents is not None:
            latents = np.asarray(latents, np.float32)
            if latents.shape != (n, self.z_dim):
                raise ValueError(f"latents must be [{n}, {self.z_dim}]; got {latents.shape}.")
            return {"latents": latents}
        seed = int(np.random.randint(0, 2**31 - 1)) if seed is None else int(seed)
        return {"latents": latents_from_seed(seed, n, self.z_dim, "normal").numpy()}

    def default_style(self, n, seed):
        return {"seed": 0 if seed is None else seed} if self.use_vae else {}

    # ------------------------------------------------------------------------------------------- objective
    def scale_discriminator_loss(self, real_logits, fake_logits):
        loss = 0.0
        for r, f in zip(real_logits, fake_logits):
            loss = loss + per_example_mean(tf.nn.relu(1.0 - tf.cast(r, tf.float32)))
            loss = loss + per_example_mean(tf.nn.relu(1.0 + tf.cast(f, tf.float32)))
        return loss / len(real_logits)

    def scale_generator_loss(self, fake_logits):
        return sum(-per_example_mean(tf.cast(f, tf.float32)) for f in fake_logits) / len(fake_logits)
