import numpy as np

import tfgan_zoo
from tests.contract.helpers import fixed_dataset


def test_pytorch_reference_parameter_counts():
    """The canonical DCGAN-64 (pytorch/examples): G 3,576,704 and D 2,765,568 trainable parameters."""
    m = tfgan_zoo.build_model("zoo_configs/dcgan/dcgan_celeba_64.yaml")
    counts = m.summary_of_parameters()
    assert counts == {"generator": 3576704, "discriminator": 2765568}


def test_paper_configuration_projects_to_4x4x1024():
    m = tfgan_zoo.build_model("zoo_configs/dcgan/dcgan_lsun_64.yaml")
    assert m.generator.get_layer("reshape").output.shape[1:] == (4, 4, 1024)
    assert m.generator.output.shape[1:] == (64, 64, 3)
    assert m.discriminator.output.shape[1:] == (1,)
    m.compile()
    assert float(m.g_optimizer.learning_rate.numpy()) == np.float32(2e-4) and m.g_optimizer.beta_1 == 0.5


def test_ema_generator_tracks_the_generator():
    import keras

    cfg = tfgan_zoo.load_config("zoo_configs/dcgan/dcgan_tiny.yaml", ["model.params.ema_decay=0.5"])
    keras.utils.set_random_seed(0)
    from tfgan_zoo.training import build_and_compile

    m = build_and_compile(cfg)
    assert m.inference_generator is m.generator_ema
    before = [w.copy() for w in m.generator_ema.get_weights()]
    m.fit(fixed_dataset(m, cfg), steps_per_epoch=2, epochs=1, verbose=0)
    g, e = m.generator.weights[0].numpy(), m.generator_ema.weights[0].numpy()
    assert not np.array_equal(e, before[0]) and not np.array_equal(e, g)
    assert m.generator_ema.trainable is False
