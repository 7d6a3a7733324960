"""What is special to FUNIT: the official parameter counts, K-shot class codes, AdaIN, the few-shot data source."""

import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tests.conftest import load_tiny
from tfgan_zoo.data import build_dataset
from tfgan_zoo.data.few_shot import SEEN_CLASSES, UNSEEN_TYPEFACES, few_shot_indices, typeface_digits
from tfgan_zoo.models.funit.funit_networks import AdaptiveInstanceNorm


def _tiny():
    return tfgan_zoo.build_model(load_tiny("funit"))


def _official_counts(nf=64, n_res=2, nf_mlp=256, latent=64, n_mlp=3, downs_content=3, downs_class=4, d_nf=64,
                     d_res=10, classes=119, c=3):
    """Trainable parameters of NVlabs/FUNIT's FewShotGen and GPPatchMcResDis, counted from their layer lists."""
    def conv(i, o, k, bias=True):
        return i * o * k * k + (o if bias else 0)

    content = conv(c, nf, 7)
    dim = nf
    for _ in range(downs_content):
        content += conv(dim, 2 * dim, 4)
        dim *= 2
    content += 2 * n_res * conv(dim, dim, 3)
    klass, kdim = conv(c, nf, 7), nf
    for i in range(downs_class):
        out = kdim * 2 if i < 2 else kdim
        klass += conv(kdim, out, 4)
        kdim = out
    klass += conv(kdim, latent, 1)
    adain = 2 * dim * 2 * n_res
    mlp = (latent + 1) * nf_mlp + (n_mlp - 2) * (nf_mlp + 1) * nf_mlp + (nf_mlp + 1) * adain
    decoder = 2 * n_res * conv(dim, dim, 3)
    for _ in range(downs_content):
        decoder += conv(dim, dim // 2, 5)
        dim //= 2
    decoder += conv(dim, c, 7)

    def block(fin, fout):
        hid = min(fin, fout)
        return conv(fin, hid, 3) + conv(hid, fout, 3) + (fin * fout if fin != fout else 0)

    d, f = conv(c, d_nf, 7), d_nf
    for _ in range(d_res // 2 - 1):
        out = min(2 * f, 1024)
        d += block(f, f) + block(f, out)
        f = out
    out = min(2 * f, 1024)
    d += block(f, f) + block(f, out) + conv(out, classes, 1)
    return content + klass + mlp + decoder, d


def test_animal_faces_config_has_the_official_parameter_counts():
    counts = _official_counts()
    assert counts == (29_866_435, 54_252_599)
    model = tfgan_zoo.build_model(tfgan_zoo.load_config("zoo_configs/funit/funit_animalfaces_128.yaml"))
    params = model.summary_of_parameters()
    assert (params["generator"], params["discriminator"]) == counts


def test_class_codes_are_averaged_over_any_k():
    model = _tiny()
    rng = np.random.default_rng(0)
    content = rng.uniform(-1, 1, (2, 32, 32, 1)).astype("float32")
    shots = rng.uniform(-1, 1, (2, 3, 32, 32, 1)).astype("float32")
    # K copies of one image = that image once
    np.testing.assert_allclose(model.translate(content, np.repeat(shots[:, :1], 4, axis=1)),
                               model.translate(content, shots[:, :1]), atol=1e-5)
    # K images: the decoder sees the mean of their codes
    g = model.inference_generator
    mean_code = tf.reduce_mean(tf.stack([g.class_encoder(shots[:, k]) for k in range(3)]), axis=0)
    expected = g.decode(g.content_encoder(content), mean_code).numpy()
    np.testing.assert_allclose(model.translate(content, shots), expected, atol=1e-5)
    # one set of class images for every content image
    np.testing.assert_allclose(model.translate(content, shots[0]), model.translate(content, shots[[0, 0]]), atol=1e-6)
    # the class images matter
    assert np.abs(model.translate(content, shots) - model.translate(content, -shots)).max() > 1e-4


def test_adain_normalizes_then_applies_shift_and_scale_from_the_params():
    rng = np.random.default_rng(1)
    x = rng.normal(2.0, 3.0, (2, 5, 5, 3)).astype("float32")
    params = rng.normal(size=(2, 10)).astype("float32")
    out = AdaptiveInstanceNorm(offset=4)([tf.constant(x), tf.constant(params)]).numpy()
    mean, var = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5) * params[:, None, None, 7:10] + params[:, None, None, 4:7]
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_bad_inputs_say_what_was_expected():
    model = _tiny()
    with pytest.raises(ValueError, match=r"class_images must have shape \[N, K, 32, 32, 1\]"):
        model.translate(np.zeros((2, 32, 32, 1)), np.zeros((2, 3, 16, 16, 1)))
    with pytest.raises(ValueError, match=r"content_images must have shape \[N, 32, 32, 1\]"):
        model.translate(np.zeros((2, 32, 32, 3)), np.zeros((2, 1, 32, 32, 1)))
    with pytest.raises(ValueError, match="K >= 1 images for each of the 2 content images"):
        model.translate(np.zeros((2, 32, 32, 1)), np.zeros((3, 1, 32, 32, 1)))
    with pytest.raises(ValueError, match=r"class images \[B, K, 32, 32, 1\]"):
        model.task.split_batch(model, (np.zeros((2, 32, 32, 1), "float32"), np.zeros(2, "int32"),
                                       np.zeros((2, 32, 32, 1), "float32"), np.zeros(2, "int32")))
    with pytest.raises(ValueError, match="few-shot translators train on data.source 'typeface_digits'"):
        build_dataset(load_tiny("cyclegan").data, model.task, 2)


def test_typeface_source_holds_unseen_typefaces_out_of_training():
    images, ids, digits = typeface_digits(16, 1, "train")
    assert images.shape[1:] == (16, 16, 1) and set(np.unique(ids)) == set(range(len(SEEN_CLASSES)))
    assert not set(UNSEEN_TYPEFACES) & set(SEEN_CLASSES)
    unseen, unseen_ids, _ = typeface_digits(16, 1, "all", unseen=True)
    assert set(np.unique(unseen_ids)) == set(range(len(UNSEEN_TYPEFACES))) and len(unseen) == 5 * 90
    # content and target classes are drawn uniformly over classes, not over images (handwriting is ~half of them)
    content, shots, labels = few_shot_indices(ids, 3400, shots=2, seed=0)
    assert shots.shape == (3400, 2) and (ids[shots] == labels[:, None]).all()
    assert 0.03 < np.mean(ids[content] == 0) < 0.09 and 0.03 < np.mean(labels == 0) < 0.09


def test_training_batches_hold_content_and_class_images_of_their_labels():
    config = load_tiny("funit")
    model = tfgan_zoo.build_model(config)
    config.data.shuffle_buffer = 0
    ds, _ = build_dataset(config.data, model.task, 4)
    content, content_labels, shots, labels = next(iter(ds))
    assert content.shape == (4, 32, 32, 1) and shots.shape == (4, 1, 32, 32, 1)
    assert content_labels.dtype == tf.int32 and labels.numpy().max() < model.num_classes
    batch = model.task.split_batch(model, (content, content_labels, shots, labels))
    assert sorted(batch) == sorted(model.task.batch_keys)
