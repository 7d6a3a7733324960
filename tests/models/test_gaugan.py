"""GauGAN specifics: published parameter counts (closed form from NVlabs/SPADE's layer lists vs the build), the
parameter-free synchronized batch norm of SPADE, PyTorch-nearest label resizing, and style control (latents and
style images give different images for one label map)."""

import keras
import numpy as np
import pytest

import tfgan_zoo
from tfgan_zoo.networks.semantic import NearestDownsample

TINY = dict(num_classes=11, image_size=32, aspect_ratio=1.0, channels=1, use_instances=True, ngf=2, ndf=4, z_dim=8,
            encoder_size=32, spade_hidden=4, n_layers_d=3, num_d=2, perceptual_weight=0.0, seed=1)


def official_counts(label_nc, ngf=64, ndf=64, z_dim=256, use_vae=True, hidden=128, sw=8, sh=8, crop=256,
                    n_layers_d=4, num_d=2, out=3):
    """Trainable parameters of NVlabs/SPADE's SPADEGenerator, ConvEncoder and MultiscaleDiscriminator
    ('normal' upsampling, spectral norm keeps one weight per conv, param-free sync BN), from their layer lists."""
    conv = lambda i, o, k, bias=True: i * o * k * k + (o if bias else 0)  # noqa: E731
    spade = lambda nc: conv(label_nc, hidden, 3) + 2 * conv(hidden, nc, 3)  # noqa: E731

    def block(fin, fout):
        fm = min(fin, fout)
        total = conv(fin, fm, 3) + conv(fm, fout, 3) + spade(fin) + spade(fm)
        return total + (conv(fin, fout, 1, False) + spade(fin) if fin != fout else 0)

    nf = ngf
    g = z_dim * 16 * nf * sh * sw + 16 * nf * sh * sw if use_vae else conv(label_nc, 16 * nf, 3)
    g += 3 * block(16 * nf, 16 * nf) + block(16 * nf, 8 * nf) + block(8 * nf, 4 * nf) + block(4 * nf, 2 * nf)
    g += block(2 * nf, nf) + conv(nf, out, 3)
    mults = [1, 2, 4, 8, 8] + ([8] if crop >= 256 else [])
    e = conv(out, ndf * mults[0], 3, False) + sum(conv(ndf * a, ndf * b, 3, False) for a, b in zip(mults, mults[1:]))
    e += 2 * (ndf * 8 * 4 * 4 * z_dim + z_dim)
    d, nfd = conv(label_nc + out, ndf, 4), ndf
    for _ in range(1, n_layers_d):
        d += conv(nfd, min(nfd * 2, 512), 4, False)
        nfd = min(nfd * 2, 512)
    d += conv(nfd, 1, 4)
    return g, e, num_d * d


def test_published_parameter_counts():
    # ADE20K: 151 labels (150 + 'other'), no instances; COCO-Stuff: 183 + boundary; Cityscapes 512x256: 35 + boundary
    assert official_counts(151) == (111_942_595, 10_463_424, 5_836_930)
    assert official_counts(184) == (112_626_883, 10_463_424, 5_904_514)
    assert official_counts(36, sw=16, sh=8) == (126_400_707, 10_463_424, 5_601_410)
    # without the VAE (the unimodal model) the ADE20K generator is the paper's 96.5M
    assert round(official_counts(151, use_vae=False)[0] / 1e6, 1) == 96.5


def test_build_matches_the_official_layer_lists():
    m = tfgan_zoo.build_model("gaugan", **TINY)
    counts = m.summary_of_parameters()
    g, e, d = official_counts(12, ngf=2, ndf=4, z_dim=8, hidden=4, sw=1, sh=1, crop=32, n_layers_d=3, out=1)
    # the tiny encoder has log2(32) - 2 = 3 layers (official: 5 or 6 at 256): recount it for 3
    conv = lambda i, o: i * o * 9  # noqa: E731
    e = conv(1, 2) + conv(2, 4) + conv(4, 8) + 2 * (8 * 4 * 4 * 8 + 8)
    assert (counts["generator"], counts["encoder"], counts["discriminator"]) == (g, e, d)


def test_spade_normalization_is_parameter_free_and_synchronized():
    m = tfgan_zoo.build_model("gaugan", **TINY)
    bns = [layer for layer in m.generator.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert bns and all(b.synchronized and not b.center and not b.scale for b in bns)
    assert not any(w.trainable for b in bns for w in b.weights)


def test_nearest_downsample_samples_like_pytorch():
    # F.interpolate(mode='nearest') to 1/4 size takes source pixel floor(i * 4): rows/cols 0, 4, 8, ...
    x = np.arange(2 * 8 * 8 * 3, dtype=np.float32).reshape(2, 8, 8, 3)
    np.testing.assert_array_equal(NearestDownsample(4, 4)(x).numpy(), x[:, [0, 4]][:, :, [0, 4]])


def test_styles_change_the_image_but_not_with_the_same_style():
    m = tfgan_zoo.build_model("gaugan", **TINY)
    from tfgan_zoo.export.testing import randomize_generator

    randomize_generator(m, seed=3)
    scenes = m.example_scenes(2, seed=0)
    a = m.synthesize(scenes["labels"], scenes["instances"], seed=1)
    b = m.synthesize(scenes["labels"], scenes["instances"], seed=2)
    assert np.abs(a - b).max() > 1e-3
    np.testing.assert_array_equal(a, m.synthesize(scenes["labels"], scenes["instances"], seed=1))
    s1 = m.synthesize(scenes["labels"], scenes["instances"], style_image=scenes["images"][0])
    z = m.encoder(scenes["images"][:1])[0].numpy()
    s2 = m.synthesize(scenes["labels"], scenes["instances"], latents=np.repeat(z, 2, 0))
    np.testing.assert_allclose(s1, s2, atol=1e-6)
    with pytest.raises(ValueError, match="latents"):
        m.synthesize(scenes["labels"], scenes["instances"], latents=np.zeros((2, 3), np.float32))


def test_without_vae_the_generator_starts_from_the_label_map():
    m = tfgan_zoo.build_model("gaugan", **{**TINY, "use_vae": False, "use_instances": False})
    assert [s.name for s in m.synthesis_specs()] == ["labels"]
    assert "encoder" not in m.summary_of_parameters()
    scenes = m.example_scenes(1, seed=0)
    assert m.synthesize(scenes["labels"]).shape == (1, 32, 32, 1)
    with pytest.raises(ValueError, match="use_vae=False"):
        m.synthesize(scenes["labels"], latents=np.zeros((1, 8), np.float32))


def test_image_size_must_fit_the_upsampling_chain():
    with pytest.raises(ValueError, match="multiples of 32"):
        tfgan_zoo.build_model("gaugan", **{**TINY, "image_size": 48})
