"""pix2pixHD: high-resolution semantic image synthesis with a coarse-to-fine generator and multi-scale
discriminators."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo.base.semantic import SemanticSynthesisGAN
from tfgan_zoo.models.pix2pixhd import pix2pixhd_networks
from tfgan_zoo.networks.semantic import build_multiscale_discriminator
from tfgan_zoo.registry import register_model
from tfgan_zoo.utils.schedules import ConstantThenLinearDecay


@register_model("pix2pixhd")
class Pix2PixHD(SemanticSynthesisGAN):
    """pix2pixHD: one-hot label map + instance boundary map (+ instance-wise features) → image.

    Global generator G1 (c7s1-64, 4 stride-2 downsamplings, 9 residual blocks, 4 transposed-conv upsamplings,
    c7s1-3, instance norm, reflection padding) and, with `n_local_enhancers=1`, the local enhancer G2 around it;
    `num_d` = 3 multi-scale PatchGANs (`n_layers_d` = 3, ndf 64) at full, ½ and ¼ resolution; LSGAN loss (D's
    halved) + D feature matching (λ = 10, each layer weighted 4 / (n_layers_d + 1) / num_d) + VGG19 perceptual loss
    (λ = 10; `perceptual_network: digits` for offline runs); Adam(2e-4, β = (0.5, 0.999)).

    Coarse-to-fine training (the paper's two stages): train a global model (`n_local_enhancers=0`, ngf 64) at half
    resolution, then build the local model (`n_local_enhancers=1`, ngf 32) at full resolution with
    `pretrained_global` naming the first stage's `.keras` file (its G1 weights are copied in, the official
    `--load_pretrain`) and `fix_global_steps` = N to train only G2 for the first N generator updates (the official
    `--niter_fix_global`; the count is the optimizer's step, so a resumed run continues the schedule).

    Instance-wise features (`feat_num` = 3): an encoder E (trained with G) maps the real image to features averaged
    over each instance, which G takes as extra input channels. After training, `compute_feature_clusters(...)` runs
    k-means (`n_clusters` per class) on the encoded instance features; `feature_clusters(class_id)` lists a class's
    centres and `synthesize(labels, instances, features=k | {class_id: k} | feature map | None,
    style_images=...)` picks among them (None: cluster 0 of each class) or encodes a style image.

    Args:
        num_classes: label ids (35 for Cityscapes' labelIds, 11 for digit scenes).
        image_size: image height; aspect_ratio: width / height (2 for Cityscapes). channels: 3.
        use_instances: add the instance boundary map to the input.
        ngf, n_downsample_global, n_blocks_global: G1 (64, 4, 9; ngf is G2's 32 with a local enhancer).
        n_local_enhancers, n_blocks_local: 0 (global only) or 1 with 3 residual blocks.
        feat_num, nef, n_downsample_encoder, n_clusters: the feature encoder (0 = none; official 3, 16, 4, 10).
        ndf, n_layers_d, num_d: discriminators (64, 3, 3).
        fm_weight, perceptual_weight: λ_feat and λ_vgg (10, 10). perceptual_network: 'vgg19' or 'digits';
            perceptual_weights_path: Keras' VGG19 notop `.h5` (or $TFGAN_ZOO_VGG19_WEIGHTS).
        fix_global_steps, pretrained_global: the second training stage (see above).
        learning_rate, beta_1, beta_2: Adam. lr_constant_steps, lr_decay_steps: with `lr_decay_steps` > 0 each
            player's rate stays at `learning_rate` for `lr_constant_steps` of its updates, then falls linearly to 0
            over `lr_decay_steps` (the official `--niter` / `--niter_decay` in updates); 0 keeps it constant.
        seed: training noise seed.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("pix2pixhd", num_classes=11, image_size=32, aspect_ratio=1.0, channels=1,
        ...                           ngf=4, n_downsample_global=2, n_blocks_global=1, ndf=4, num_d=2,
        ...                           perceptual_weight=0)
        >>> scenes = m.example_scenes(2, seed=0)
        >>> m.synthesize(scenes["labels"], scenes["instances"]).shape
        (2, 32, 32, 1)

    Reference:
        Wang, Liu, Zhu, Tao, Kautz & Catanzaro, "High-Resolution Image Synthesis and Semantic Manipulation with
        Conditional GANs", CVPR 2018, arXiv:1711.11585 (code: github.com/NVIDIA/pix2pixHD).
    """

    tflite_quantization_bounds = {
        "dynamic": {"max_abs_error": 0.2, "min_psnr_db": 38.0,
                    "why": "instance norm without affine parameters divides every channel by its own spread, so the "
                           "8-bit error of the weights is magnified in low-variance channels at each of the "
                           "generator's norms (measured on the tiny config with randomized weights: max 0.070, mean "
                           "0.011, 43.0 dB)"},
        "int8": {"max_abs_error": 2.0, "min_psnr_db": 10.0,
                 "why": "instance norm over small feature maps and the one-hot label input: 8-bit activations lose "
                        "most of a low-variance channel before the norm rescales it, at every residual block "
                        "(measured on the tiny config with randomized weights: max 1.43, mean 0.33, 13.4 dB); use "
                        "float16 or dynamic-range quantization for this model"},
    }

    def __init__(
        self,
        num_classes=35,
        image_size=512,
        aspect_ratio=2.0,
        channels=3,
        use_instances=True,
        ngf=64,
        n_downsample_global=4,
        n_blocks_global=9,
        n_local_enhancers=0,
        n_blocks_local=3,
        feat_num=0,
        nef=16,
        n_downsample_encoder=4,
        n_clusters=10,
        ndf=64,
        n_layers_d=3,
        num_d=3,
        fm_weight=10.0,
        perceptual_weight=10.0,
        perceptual_network="vgg19",
        perceptual_weights_path="",
        fix_global_steps=0,
        pretrained_global="",
        learning_rate=2e-4,
        beta_1=0.5,
        beta_2=0.999,
        lr_constant_steps=0,
        lr_decay_steps=0,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.num_classes, self.image_size, self.aspect_ratio = int(num_classes), int(image_size), float(aspect_ratio)
        self.channels, self.use_instances = int(channels), bool(use_instances)
        self.ngf, self.n_downsample_global, self.n_blocks_global = ngf, n_downsample_global, n_blocks_global
        self.n_local_enhancers, self.n_blocks_local = n_local_enhancers, n_blocks_local
        self.feat_num, self.nef, self.n_downsample_encoder, self.n_clusters = feat_num, nef, n_downsample_encoder, \
            n_clusters
        self.ndf, self.n_layers_d, self.num_d = ndf, n_layers_d, num_d
        self.fm_weight, self.perceptual_weight = float(fm_weight), float(perceptual_weight)
        self.perceptual_network, self.perceptual_weights_path = perceptual_network, perceptual_weights_path
        self.fix_global_steps, self.pretrained_global = int(fix_global_steps), pretrained_global
        self.learning_rate, self.beta_1, self.beta_2 = learning_rate, beta_1, beta_2
        if int(lr_constant_steps) < 0 or int(lr_decay_steps) < 0:
            raise ValueError(f"lr_constant_steps and lr_decay_steps must be >= 0, got {lr_constant_steps} and "
                             f"{lr_decay_steps}.")
        self.lr_constant_steps, self.lr_decay_steps = int(lr_constant_steps), int(lr_decay_steps)
        self._check_shape()
        self._build_perceptual()
        if feat_num and not use_instances:
            raise ValueError("Instance-wise features (feat_num > 0) average over instances: set use_instances=True.")
        if n_local_enhancers not in (0, 1, 2, 3):
            raise ValueError(f"n_local_enhancers must be 0 (global generator only) to 3, got {n_local_enhancers}.")
        shape = self.image_shape
        self.generator = pix2pixhd_networks.build_generator(
            self.num_classes, self.use_instances, feat_num, self.channels, shape, ngf, n_downsample_global,
            n_blocks_global, n_local_enhancers, n_blocks_local)
        self.discriminator = build_multiscale_discriminator(
            self.num_classes, self.use_instances, self.channels, shape, ndf, n_layers_d, num_d, layout="pix2pixhd")
        if feat_num:
            self.encoder = pix2pixhd_networks.build_encoder(feat_num, self.channels, shape, nef, n_downsample_encoder)
            self.feature_centers = self.add_weight(shape=(self.num_classes, n_clusters, feat_num), initializer="zeros",
                                                   trainable=False, name="feature_centers")
            self.feature_center_counts = self.add_weight(shape=(self.num_classes,), initializer="zeros",
                                                         trainable=False, name="feature_center_counts")
        if pretrained_global:
            self.load_global_generator(pretrained_global)
        self._finish_init()

    optimizer_params = SemanticSynthesisGAN.optimizer_params + ("lr_constant_steps", "lr_decay_steps")

    def make_optimizer(self, player, learning_rate=None):
        """Adam from the constructor; with `lr_decay_steps` the official schedule: constant for `lr_constant_steps`
        updates of the player, then linear to 0 (`niter` / `niter_decay`)."""
        if self.lr_decay_steps and learning_rate is None:
            learning_rate = ConstantThenLinearDecay(self.learning_rate, self.lr_constant_steps, self.lr_decay_steps)
        return super().make_optimizer(player, learning_rate)

    # ------------------------------------------------------------------------------------------- players, inputs
    def player_models(self):
        generator = [self.generator] + ([self.encoder] if self.feat_num else [])
        return {"generator": generator, "discriminator": [self.discriminator]}

    def synthesis_specs(self):
        specs = self.label_specs()
        if self.feat_num:
            h, w = self.image_shape
            specs.append(tf.TensorSpec([None, h, w, self.feat_num], tf.float32, name="features"))
        return specs

    def generator_inputs_from(self, batch):
        inputs = self.label_inputs_from(batch)
        if self.feat_num:  # E is trained through G's loss, as the official code optimizes netG and netE together
            inputs.append(self.encoder([batch["images"], batch["instances"]], training=True))
        return inputs

    # ------------------------------------------------------------------------------------------- objective
    def scale_discriminator_loss(self, real_logits, fake_logits):
        loss = 0.0
        for r, f in zip(real_logits, fake_logits):
            loss = loss + _mean(tf.square(tf.cast(r, tf.float32) - 1.0)) + _mean(tf.square(tf.cast(f, tf.float32)))
        return 0.5 * loss

    def scale_generator_loss(self, fake_logits):
        return sum(_mean(tf.square(tf.cast(f, tf.float32) - 1.0)) for f in fake_logits)

    def fm_layer_weight(self, num_d, num_layers):
        return (4.0 / num_layers) / num_d

    def _global_variable_ids(self):
        return {id(v) for layer in self.generator.layers if layer.name.startswith("global_")
                for v in layer.trainable_variables}

    def update_player(self, player, loss_fn):
        """The shared update, except that G1's gradients are zeroed for the first `fix_global_steps` generator
        updates of a local-enhancer model (the official `--niter_fix_global`)."""
        if player != "generator" or not (self.fix_global_steps and self.n_local_enhancers):
            return super().update_player(player, loss_fn)
        variables = self.player_variables(player)
        opt = self.player_optimizers[player]
        with tf.GradientTape() as tape:
            loss, extras = loss_fn()
            scaled = opt.scale_loss(loss)
        grads = tape.gradient(scaled, variables)
        fixed = self._global_variable_ids()
        open_ = tf.cast(opt.iterations >= self.fix_global_steps, tf.float32)
        grads = [g * tf.cast(open_, g.dtype) if id(v) in fixed and g is not None else g
                 for g, v in zip(grads, variables)]
        opt.apply_gradients(zip(grads, variables))
        return loss, extras

    def load_global_generator(self, source):
        """Copies a global-only pix2pixHD's G1 (a `Pix2PixHD` or the path of its `.keras` file) into this model's
        G1 (the first stage of coarse-to-fine training). Returns the number of layers copied."""
        import keras

        if isinstance(source, str):
            source = keras.models.load_model(source)
        if not isinstance(source, Pix2PixHD) or source.n_local_enhancers:
            raise ValueError("load_global_generator takes a global-only Pix2PixHD (n_local_enhancers=0) or its .keras "
                             "file, trained at half this model's resolution with ngf = 2 × this ngf.")
        copied = 0
        for layer in source.generator.layers:
            if not layer.name.startswith("global_") or layer.name.startswith("global_conv_out") or not layer.weights:
                continue
            target = self.generator.get_layer(layer.name)
            if [w.shape for w in target.weights] != [w.shape for w in layer.weights]:
                raise ValueError(f"G1 layer {layer.name}: shapes {[w.shape for w in layer.weights]} do not fit "
                                 f"{[w.shape for w in target.weights]}; build the first stage with ngf = "
                                 f"{self.ngf * 2 ** self.n_local_enhancers} and the same num_classes.")
            target.set_weights(layer.get_weights())
            copied += 1
        return copied

    # ------------------------------------------------------------------------------------------- feature styles
    def _instance_classes(self, labels, instances):
        """[(example, instance id, class id)] with each instance's majority class."""
        out = []
        for n in range(len(labels)):
            for i in np.unique(instances[n]):
                mask = instances[n] == i
                out.append((n, int(i), int(np.bincount(labels[n][mask]).argmax())))
        return out

    def compute_feature_clusters(self, labels, instances, images, n_clusters=None, seed=0, batch_size=32):
        """Encodes real `images` and runs k-means on each class's instance features (the official
        `encode_features` + `KMeans(n_clusters=10)` per label). Returns {class_id: number of clusters}."""
        from sklearn.cluster import KMeans

        if not self.feat_num:
            raise ValueError("This pix2pixHD has no feature encoder (feat_num=0).")
        k = int(n_clusters or self.n_clusters)
        if not 1 <= k <= self.n_clusters:
            raise ValueError(f"n_clusters must be in [1, {self.n_clusters}] (the model's n_clusters), got {k}.")
        labels, instances = np.asarray(labels, np.int32), np.asarray(instances, np.int32)
        feats = np.concatenate([self.encoder([np.asarray(images[i : i + batch_size], np.float32),
                                              instances[i : i + batch_size]], training=False).numpy()
                                for i in range(0, len(labels), batch_size)])
        per_class = {}
        for n, inst, cls in self._instance_classes(labels, instances):
            y, x = np.argwhere(instances[n] == inst)[0]
            per_class.setdefault(cls, []).append(feats[n, y, x])
        centers = np.zeros((self.num_classes, self.n_clusters, self.feat_num), np.float32)
        counts = np.zeros(self.num_classes, np.float32)
        for cls, rows in per_class.items():
            rows = np.stack(rows)
            m = min(k, len(np.unique(rows, axis=0)))
            km = KMeans(n_clusters=m, n_init=10, random_state=seed).fit(rows)
            order = np.argsort(-np.bincount(km.labels_, minlength=m))  # cluster 0 = the most common style
            centers[cls, :m] = km.cluster_centers_[order]
            counts[cls] = m
        self.feature_centers.assign(centers)
        self.feature_center_counts.assign(counts)
        return {c: int(counts[c]) for c in per_class}

    def feature_clusters(self, class_id):
        """The k-means centres `[K, feat_num]` of class `class_id`'s instance features (after
        `compute_feature_clusters`)."""
        if not self.feat_num:
            raise ValueError("This pix2pixHD has no feature encoder (feat_num=0).")
        if not 0 <= int(class_id) < self.num_classes:
            raise ValueError(f"class_id must be in [0, {self.num_classes}), got {class_id}.")
        count = int(self.feature_center_counts.numpy()[int(class_id)])
        return self.feature_centers.numpy()[int(class_id), :count]

    def style_inputs(self, n, labels=None, instances=None, seed=0, features=None, style_images=None):
        if not self.feat_num:
            if features is not None or style_images is not None:
                raise ValueError("This pix2pixHD has no feature encoder (feat_num=0): it takes no features or "
                                 "style_images.")
            return {}
        h, w = self.image_shape
        if style_images is not None:
            style_images = np.asarray(style_images, np.float32)
            if style_images.shape != (n, h, w, self.channels):
                raise ValueError(f"style_images must be [{n}, {h}, {w}, {self.channels}] in [-1, 1] (one per label "
                                 f"map; its instances are those of the instance map); got {style_images.shape}.")
            return {"features": self.encoder([style_images, instances], training=False).numpy()}
        if features is not None and np.ndim(features) == 4:
            features = np.asarray(features, np.float32)
            if features.shape != (n, h, w, self.feat_num):
                raise ValueError(f"A feature map must be [{n}, {h}, {w}, {self.feat_num}]; got {features.shape}.")
            return {"features": features}
        if features is not None and not isinstance(features, (int, np.integer, dict)):
            raise ValueError("features must be None (cluster 0 of each class), a cluster index, {class_id: cluster "
                             f"index}} or a feature map [N, H, W, {self.feat_num}]; got {type(features).__name__}.")
        centers = self.feature_centers.numpy()
        counts = self.feature_center_counts.numpy().astype(int)
        out = np.zeros((n, h, w, self.feat_num), np.float32)
        for e, inst, cls in self._instance_classes(np.asarray(labels), np.asarray(instances)):
            k = features.get(cls, 0) if isinstance(features, dict) else int(features or 0)
            if counts[cls] and not 0 <= k < counts[cls]:
                raise ValueError(f"class {cls} has {counts[cls]} feature clusters; cluster {k} does not exist.")
            out[e][instances[e] == inst] = centers[cls, k] if counts[cls] else 0.0
        return {"features": out}


def _mean(x):
    from tfgan_zoo.losses.reduction import per_example_mean

    return per_example_mean(x)
