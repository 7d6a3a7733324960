"""CoGAN: the official networks' parameter counts, weight sharing, pairs from one z, the `sample_pair` export."""

import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tests.conftest import load_tiny
from tfgan_zoo.data import build_dataset
from tfgan_zoo.training import build_and_compile


def _count(variables):
    return int(sum(np.prod(v.shape) for v in variables))


# Trainable parameters of the official digit nets (28×28, z 100), counted layer by layer from the released code.
#
# Caffe, cogan/models/mnist.edge.cogan/mnist.edge.cogan.train.ptt (the paper's code). Caffe's BatchNorm blobs are
# running statistics (not counted); each is followed by a learned "Bias" layer (one per channel); PReLU has one
# slope per channel (channel_shared false by default).
#   G shared: dconv0_ip InnerProduct 100→16384: 100·16384 + 16384 = 1,654,784; bias 1024 + PReLU 1024
#             dconv1 Deconvolution 1024→512 k3: 1024·512·9 + 512 = 4,719,104; bias 512 + PReLU 512
#             dconv2 512→256 k3: 512·256·9 + 256 = 1,179,904; bias 256 + PReLU 256
#             dconv3 256→128 k3: 256·128·9 + 128 = 295,040; bias 128 + PReLU 128      → 7,852,672
#   G per domain: dconv4_{A,B} 128→1 k6: 128·36 + 1 = 4,609                              → 7,852,672 + 2·4,609
CAFFE_G = 7_861_890
#   D per domain: conv0_{A,B} 1→20 k5: 25·20 + 20 = 520
#   D shared: conv1 20→50 k5: 20·50·25 + 50 = 25,050; conv2 InnerProduct 800→500: 800·500 + 500 = 400,500;
#             PReLU 500; score_output 500→2: 1,002                                       → 427,052 + 2·520
CAFFE_D = 428_092
CAFFE_D_SHARED = 427_052
# PyTorch port, cogan_pytorch/src/net_cogan_mnistedge.py (CoGen28x28, CoDis28x28): BatchNorm2d(affine=False) has no
# parameters, nn.PReLU() one.
#   G: dconv0 ConvTranspose2d 100→1024 k4: 100·1024·16 + 1024 = 1,639,424; dconv1 4,719,104; dconv2 1,179,904;
#      dconv3 295,040; prelu0–3: 4; dconv4_a, dconv4_b: 2·4,609                           → 7,842,694
PYTORCH_G = 7_842_694
#   D: conv0_a, conv0_b 2·520; conv1 25,050; conv2 Conv2d 50→500 k4: 50·500·16 + 500 = 400,500; prelu2 1;
#      conv3 Conv2d 500→2 k1: 1,002                                                       → 427,593
PYTORCH_D = 427_593


@pytest.mark.parametrize("reference, g, d", [("caffe", CAFFE_G, CAFFE_D), ("pytorch", PYTORCH_G, PYTORCH_D)])
def test_paper_digit_nets_have_the_official_parameter_counts(reference, g, d):
    m = tfgan_zoo.build_model("cogan", reference=reference)
    assert _count(m.player_variables("generator")) == g
    assert _count(m.player_variables("discriminator")) == d
    if reference == "caffe":
        shared = {id(v) for v in m.discriminator_a.trainable_variables} & {
            id(v) for v in m.discriminator_b.trainable_variables}
        assert _count([v for v in m.discriminator_a.trainable_variables if id(v) in shared]) == CAFFE_D_SHARED


def test_paper_digit_net_shapes():
    m = tfgan_zoo.build_model("cogan")
    a, b = m.generate(2, seed=0)
    assert a.shape == b.shape == (2, 28, 28, 1)
    assert m.discriminator_a(a).shape == (2, 1)


def _tiny():
    config = load_tiny("cogan")
    return build_and_compile(config), config


def test_shared_layers_are_one_variable_updated_once():
    model, config = _tiny()
    g = model.generator
    shared = [v for v in g.generator_a.trainable_variables if any(v is w for w in g.generator_b.trainable_variables)]
    private_a = [v for v in g.generator_a.trainable_variables if not any(v is w for w in shared)]
    assert shared and private_a  # trunk shared, output layer per domain
    assert _count(model.player_variables("generator")) == _count(g.generator_a.trainable_variables) + _count(
        [v for v in g.generator_b.trainable_variables if not any(v is w for w in shared)])
    d_shared = [v for v in model.discriminator_a.trainable_variables
                if any(v is w for w in model.discriminator_b.trainable_variables)]
    assert d_shared and "score" in d_shared[-1].path
    # One SGD step: a variable listed twice would move twice as far as a lone one; compare with the gradient.
    import keras

    model.compile(optimizers={"generator": keras.optimizers.SGD(0.1), "discriminator": keras.optimizers.SGD(0.0)})
    config.data.shuffle_buffer = 0
    ds, _ = build_dataset(config.data, model.task, config.train.batch_size, seed=0)
    kernel = next(v for v in shared if v.path.endswith("kernel"))
    before = kernel.numpy().copy()
    listed = [v for v in model.player_variables("generator") if v is kernel]
    assert len(listed) == 1
    model.fit(ds, steps_per_epoch=1, epochs=1, verbose=0)
    after = kernel.numpy()
    assert not np.array_equal(before, after)
    # both generators read the same (updated) value
    va = next(v for v in g.generator_a.trainable_variables if v.path == kernel.path)
    vb = next(v for v in g.generator_b.trainable_variables if v.path == kernel.path)
    np.testing.assert_array_equal(va.numpy(), after)
    np.testing.assert_array_equal(vb.numpy(), after)


def test_pair_generation_and_seeds():
    model, _ = _tiny()
    a, b = model.generate(3, seed=5)
    assert a.shape == b.shape == (3, 32, 32, 1)
    assert not np.allclose(a, b)  # two domains: different output layers
    a2, b2 = model.generate(3, seed=5)
    np.testing.assert_array_equal(a, a2)
    np.testing.assert_array_equal(b, b2)
    a3, b3 = model.generate(3, seed=6)
    assert np.abs(a - a3).max() > 1e-4 and np.abs(b - b3).max() > 1e-4
    # pair(z) runs the joint network; each generator alone gives the same images
    z = model.latents_for(3, seed=5)
    np.testing.assert_allclose(model.generator.generator_a(z).numpy(), a, atol=1e-6)
    np.testing.assert_allclose(model.generator.generator_b(z).numpy(), b, atol=1e-6)
    np.testing.assert_allclose(model(z).numpy(), a, atol=1e-6)


def test_sample_pair_export_matches_generate(tmp_path):
    from tfgan_zoo.export import export_saved_model

    model, _ = _tiny()
    path = export_saved_model(model, str(tmp_path))
    loaded = tf.saved_model.load(str(path))
    out = loaded.signatures["sample_pair"](seed=tf.constant(7), num_images=tf.constant(3))
    a, b = model.generate(3, seed=7)
    np.testing.assert_allclose(out["images_a"].numpy(), a, atol=1e-5)
    np.testing.assert_allclose(out["images_b"].numpy(), b, atol=1e-5)
    z = out["latents"].numpy()
    both = loaded.signatures["serving_default"](latents=tf.constant(z))
    np.testing.assert_allclose(both["images_a"].numpy(), a, atol=1e-5)
    np.testing.assert_allclose(both["images_b"].numpy(), b, atol=1e-5)
