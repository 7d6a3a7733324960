"""SRGAN: published sizes, the PSNR stage, tiled upscaling, MATLAB bicubic data, any-size serving."""

import os

import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tests.conftest import REPO, load_tiny
from tfgan_zoo.data import build_dataset
from tfgan_zoo.data.photos import EVAL_PHOTOS, TRAIN_PHOTOS, imresize, imresize_matrix
from tfgan_zoo.losses.perceptual import VGG19_WEIGHTS_ENV


def _trainable(model):
    return int(sum(np.prod(v.shape) for v in model.trainable_weights))


def test_published_parameter_counts():
    from tfgan_zoo.models.srgan import srgan_networks

    cfg = tfgan_zoo.load_config(os.path.join(REPO, "zoo_configs", "srgan", "srgan_div2k_96.yaml"))
    p = cfg.model.params
    g = srgan_networks.build_generator(p["scale"], p["channels"], p["g_filters"], p["num_blocks"])
    d = srgan_networks.build_discriminator(p["image_size"], p["channels"], p["d_base_filters"], p["d_dense_units"])
    # Fig. 4 of the paper, counted by hand: 9x9 conv 15,616 + PReLU 64 + 16 x 74,176 + 37,056 + 2 x 147,776 + 15,555
    assert _trainable(g) == 1_550_659
    assert _trainable(d) == 23_563_649
    assert g.output_shape == (None, None, None, 3)


def _tiny(stage="psnr", **kw):
    return tfgan_zoo.build_model("srgan", image_size=16, g_filters=8, num_blocks=1, d_base_filters=4, d_dense_units=8,
                                 training_stage=stage, perceptual_network="digits", seed=3, **kw)


def test_psnr_stage_trains_the_generator_alone_and_gan_stage_needs_vgg_weights(monkeypatch):
    model = _tiny("psnr")
    assert model.perceptual is None
    model.compile()
    d_before = [w.copy() for w in model.discriminator.get_weights()]
    g_before = [w.copy() for w in model.generator.get_weights()]
    cfg = load_tiny("srgan")
    cfg.data.image_size = 16
    ds, _ = build_dataset(cfg.data, model.task, 4)
    history = model.fit(ds, steps_per_epoch=2, epochs=1, verbose=0).history
    assert np.isfinite(history["g_pixel"]).all() and history["g_pixel"][0] > 0
    assert all(np.array_equal(a, b) for a, b in zip(d_before, model.discriminator.get_weights()))
    assert any(not np.array_equal(a, b) for a, b in zip(g_before, model.generator.get_weights()))
    monkeypatch.delenv(VGG19_WEIGHTS_ENV, raising=False)
    with pytest.raises(FileNotFoundError, match="perceptual_weights_path"):
        tfgan_zoo.build_model("srgan", image_size=16, g_filters=8, num_blocks=1, d_base_filters=4, d_dense_units=8)
    with pytest.raises(ValueError, match="training_stage"):
        _tiny("pretrain")


def test_learning_rate_schedule_follows_the_paper():
    model = _tiny("psnr", lr_milestones=(10,))
    opt = model.make_optimizer("generator")
    schedule = opt.learning_rate if callable(opt.learning_rate) else opt._learning_rate
    assert np.isclose(float(schedule(0)), 1e-4) and np.isclose(float(schedule(11)), 1e-5)
    assert np.isclose(float(opt.beta_1), 0.9)


def test_tiled_upscale_matches_untiled_with_measured_seams():
    model = _tiny("psnr")
    rng = np.random.default_rng(0)
    for v in model.generator.trainable_variables:  # unit-scale activations, so seams would show
        fan_in = np.prod(v.shape[:-1]) if len(v.shape) > 1 else 1
        v.assign(rng.normal(0, 1 / np.sqrt(fan_in), v.shape).astype("float32"))
    image = np.clip(rng.normal(0, 0.5, (40, 52, 3)), -1, 1).astype("float32")
    full = model.upscale(image)
    assert full.shape == (160, 208, 3)
    np.testing.assert_allclose(model.upscale(image, tile=64), full, atol=1e-5)  # one tile = the whole image
    errors = {o: float(np.abs(model.upscale(image, tile=16, overlap=o) - full).max()) for o in (0, 4, 8, 12)}
    # measured (max |tiled - untiled|, outputs spanning [-1, 1]): 0 -> 2.0, 4 -> 1.2, 8 -> 0.08, 12 -> 5e-6; the
    # generator's receptive radius is ~10 LR pixels (9x9 conv, block, body, up convs, 9x9 conv at 4x)
    assert errors[0] > errors[4] > errors[8] > errors[12] and errors[12] < 1e-4, errors
    as_uint8 = model.upscale(((image + 1) * 127.5).round().astype(np.uint8))
    assert as_uint8.dtype == np.uint8 and as_uint8.shape == (160, 208, 3)
    with pytest.raises(ValueError, match="overlap"):
        model.upscale(image, tile=8, overlap=-1)
    with pytest.raises(ValueError, match=r"\[N, H, W, 3\]"):
        model.upscale(np.zeros((2, 8, 8, 1), "float32"))


def test_matlab_bicubic_against_hand_values_and_pillow():
    from PIL import Image

    m = imresize_matrix(32, 0.25)
    assert m.shape == (8, 32) and np.allclose(m.sum(1), 1.0)
    # a ramp j (1-based) lands on the output centres u = 4 i - 1.5 away from the mirrored borders (the kernel is
    # symmetric about u)
    np.testing.assert_allclose((m @ np.arange(1, 33))[2:6], 4 * np.arange(3, 7) - 1.5, atol=1e-9)
    # Keys' kernel (a = -0.5) at the antialiased x1/4 taps, by hand: the largest weights of an interior row sit at
    # u +- 0.5, i.e. h(0.5) = 1/4 * k(0.5/4) with k(t) = 1.5 t^3 - 2.5 t^2 + 1 (normalised over the row)
    interior = m[4]
    top = np.sort(interior)[-2:]
    hand = 0.25 * (1.5 * 0.125**3 - 2.5 * 0.125**2 + 1.0)
    np.testing.assert_allclose(top, hand / interior.sum(), rtol=1e-2)
    # Pillow's bicubic (a = -0.5, support scaled on downscale) agrees away from the borders, where only the
    # boundary rule (MATLAB mirrors, Pillow renormalises) differs
    x = np.random.default_rng(0).uniform(0, 1, (64, 64)).astype(np.float32)
    ours = imresize(x[..., None], 0.25)[..., 0]
    pil = np.asarray(Image.fromarray(x, mode="F").resize((16, 16), Image.BICUBIC))
    np.testing.assert_allclose(ours[3:-3, 3:-3], pil[3:-3, 3:-3], atol=1e-5)
    np.testing.assert_allclose(imresize(np.full((12, 20, 3), 0.3), 0.25), 0.3, atol=1e-6)  # constants stay


def test_photos_source_pairs_and_split():
    assert not set(TRAIN_PHOTOS) & set(EVAL_PHOTOS)
    cfg = load_tiny("srgan")
    cfg.data.shuffle_buffer = 0
    model = _tiny("psnr")
    cfg.data.image_size = 16
    ds, n = build_dataset(cfg.data, model.task, 4, seed=0)
    lr, hr = next(iter(ds))
    assert lr.shape == (4, 4, 4, 3) and hr.shape == (4, 16, 16, 3) and n == cfg.data.max_examples
    np.testing.assert_allclose(lr.numpy(), np.clip(imresize(hr.numpy(), 0.25), -1, 1), atol=1e-5)
    again = next(iter(build_dataset(cfg.data, model.task, 4, seed=0)[0]))[1]
    np.testing.assert_array_equal(again.numpy(), hr.numpy())
    cfg.data.scale = 3
    with pytest.raises(ValueError, match="multiple"):
        build_dataset(cfg.data, model.task, 4)
    cfg.data.scale, cfg.data.image_size = 4, 32
    model.compile()
    with pytest.raises(ValueError, match="data.scale"):
        model.fit(build_dataset(cfg.data, model.task, 2)[0], steps_per_epoch=1, verbose=0)


def test_tfds_div2k_source_is_mocked(tmp_path):
    import tensorflow_datasets as tfds

    cfg = load_tiny("srgan")
    cfg.data.source, cfg.data.name, cfg.data.image_size, cfg.data.max_examples = "tfds", "div2k/bicubic_x4", 16, 2
    model = _tiny("psnr")

    def fake_load(name, split):
        assert name == "div2k/bicubic_x4"
        images = np.random.default_rng(0).integers(0, 256, (3, 40, 48, 3)).astype(np.uint8)
        return tf.data.Dataset.from_tensor_slices({"hr": images, "lr": images[:, :10, :12]})

    original = tfds.load
    tfds.load = fake_load
    try:
        lr, hr = next(iter(build_dataset(cfg.data, model.task, 2)[0]))
    finally:
        tfds.load = original
    assert lr.shape == (2, 4, 4, 3) and hr.shape == (2, 16, 16, 3)


def test_savedmodel_upscales_any_size_float_and_uint8(tmp_path):
    from tfgan_zoo.export import export_saved_model

    model = _tiny("psnr")
    path = export_saved_model(model, str(tmp_path), "srgan", version=1)
    loaded = tf.saved_model.load(path)
    assert {"serving_default", "upscale", "upscale_uint8"} <= set(loaded.signatures)
    x = np.random.default_rng(1).uniform(-1, 1, (1, 5, 7, 3)).astype("float32")
    out = loaded.signatures["upscale"](images=tf.constant(x))["images"].numpy()
    np.testing.assert_allclose(out, model.upscale(x), atol=1e-5)
    u8 = ((x + 1) * 127.5).round().astype(np.uint8)
    out8 = loaded.signatures["upscale_uint8"](images=tf.constant(u8))["images_uint8"].numpy()
    assert out8.dtype == np.uint8 and out8.shape == (1, 20, 28, 3)
    assert np.abs(out8.astype(int) - model.upscale(u8).astype(int)).max() <= 1


def check_photos_preset(name):
    """A shipped PSNR-stage preset beats MATLAB bicubic on every held-out photo in Y-PSNR and SSIM, by the margins
    its build recorded (measured again here on the shipped float16 weights)."""
    from tfgan_zoo.evaluation.super_resolution import evaluate_super_resolution
    from tfgan_zoo.pretrained.presets import ASSETS, read_preset

    preset = read_preset(ASSETS / name)
    record = next(r for r in preset["metadata"]["metrics"] if r["protocol"] == "sr_photos")
    assert preset["weights"]["bytes"] <= 0.8e6
    result = evaluate_super_resolution(tfgan_zoo.from_preset(name))
    for metric, tol in (("psnr", 0.05), ("ssim", 2e-3)):
        margins = result.margins(metric)
        assert all(v > 0 for v in margins.values()), (metric, margins)
        for image, recorded in record["values"][f"margin_{metric}"].items():
            assert abs(margins[image] - recorded) < tol, (metric, image, margins[image], recorded)
    return result


def test_srgan_photos_preset_beats_bicubic():
    """The shipped SRResNet (PSNR stage, L1) beats MATLAB bicubic on every held-out photo in Y-PSNR and SSIM."""
    result = check_photos_preset("srgan_photos_x4")
    assert result.mean("model", "sharpness") > result.mean("bicubic", "sharpness")
    model = tfgan_zoo.from_preset("srgan_photos_x4")
    assert model.training_stage == "psnr" and model.pixel_criterion == "l1" and model.init_weights == ""
    zeros, halves = tf.zeros([1, 4, 4, 3]), tf.fill([1, 4, 4, 3], 0.5)
    np.testing.assert_allclose(model.pixel_loss(zeros, halves).numpy(), [0.5], rtol=1e-6)  # L1
    np.testing.assert_allclose(_tiny("psnr").pixel_loss(zeros, halves).numpy(), [0.25], rtol=1e-6)  # the paper's MSE
    with pytest.raises(ValueError, match="pixel_criterion"):
        _tiny("psnr", pixel_criterion="l3")


def test_served_upscale_of_a_large_image_over_grpc_and_rest(tmp_path):
    """256² → 1024² through the zoo's server: gRPC answers of 12.6 MB (float) pass the client's raised message limit
    (a channel with gRPC's default 4 MB receive limit is refused), REST's uint8 JSON answer too; both equal the
    in-process upscale."""
    import grpc

    from tfgan_zoo.export import export_saved_model
    from tfgan_zoo.serving import PredictClient, RestClient, serve

    model = _tiny("psnr")
    export_saved_model(model, str(tmp_path / "sr"), "sr", version=1, warmup=False)
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, (1, 256, 256, 3)).astype("float32")
    u8 = rng.integers(0, 256, (1, 256, 256, 3)).astype(np.uint8)
    server = serve(str(tmp_path / "sr"), model_name="sr", poll_interval=0)
    try:
        with PredictClient(server.grpc_address, "sr", signature="upscale", timeout=120) as client:
            out = client.predict({"images": x})["images"]
            assert out.shape == (1, 1024, 1024, 3) and out.nbytes > 12e6
            np.testing.assert_allclose(out, model.upscale(x), atol=1e-5)
            out8 = client.predict({"images": u8}, signature="upscale_uint8")["images_uint8"]
        expected8 = model.upscale(u8).astype(int)
        assert out8.dtype == np.uint8 and np.abs(out8.astype(int) - expected8).max() <= 1
        with grpc.insecure_channel(server.grpc_address) as plain:  # gRPC's default: 4 MB per received message
            small = PredictClient(server.grpc_address, "sr", signature="upscale", channel=plain, timeout=120)
            with pytest.raises(grpc.RpcError) as info:
                small.predict({"images": x})
            assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        rest = RestClient(server.rest_address, "sr", timeout=120).predict({"images": u8}, signature="upscale_uint8")
        (rest8,) = rest.values()
        assert rest8.shape == (1, 1024, 1024, 3) and np.abs(rest8.astype(int) - expected8).max() <= 1
    finally:
        server.stop()


def test_interpolate_blends_srresnet_and_srgan_weights_including_batch_norm_statistics():
    from tfgan_zoo.models.srgan import interpolate

    psnr, gan = _tiny("psnr"), _tiny("gan")
    rng = np.random.default_rng(5)
    for v in psnr.generator.non_trainable_variables:  # distinct BN statistics (moving variance stays positive)
        v.assign(rng.uniform(0.5, 1.5, v.shape).astype("float32"))
    half = interpolate(psnr, gan, 0.25)
    for a, b, c in zip(half.generator.get_weights(), psnr.generator.get_weights(), gan.generator.get_weights()):
        np.testing.assert_allclose(a, 0.75 * b + 0.25 * c, atol=1e-6)
    assert half.training_stage == "gan" and half.upscale(np.zeros((1, 5, 6, 3), "float32")).shape == (1, 20, 24, 3)
    with pytest.raises(ValueError, match="alpha"):
        interpolate(psnr, gan, -0.1)
