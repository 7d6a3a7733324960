"""iGAN on the shipped dcgan_digits_32 preset: projection of held-out real digits, colour / sketch / warp edits that
meet their strokes while the digits classifier still recognises a digit, and edit transfer onto the original."""

import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.interactive import IGAN, Constraints, sobel_edges, stroke_mask, train_encoder, transfer


@pytest.fixture(scope="module")
def tools():
    import tfgan_zoo
    from tfgan_zoo.evaluation.digits import load_digits_classifier

    model = tfgan_zoo.from_preset("dcgan_digits_32")
    ig = IGAN(model, encoder=train_encoder(model, steps=200, seed=0))
    classifier, _ = load_digits_classifier()
    return ig, classifier


def _confidence(classifier, images):
    return tf.nn.softmax(classifier(images, training=False)).numpy().max(-1)


def test_projection_of_held_out_digits_beats_a_random_latent(tools):
    from tfgan_zoo.evaluation.digits import digits_images

    ig, classifier = tools
    images, labels = digits_images(32, "test")
    images, labels = images[:32], labels[:32]
    random_err = np.mean((ig.render(ig.random_latents(32, seed=1)) - images) ** 2)
    encoder_err = np.mean((ig.render(ig.encode(images)) - images) ** 2)
    z, recon = ig.project(images, steps=60)
    hybrid_err = np.mean((recon - images) ** 2)
    # measured: random 0.36, encoder alone ~0.07, encoder + 60 Adam steps ~0.004 (pixel MSE on [-1, 1])
    assert hybrid_err < 0.2 * random_err
    assert hybrid_err < encoder_err
    assert z.shape == (32, 100) and np.abs(z).max() <= 1.0  # stays in the uniform prior's support
    accuracy = np.mean(np.argmax(classifier(recon, training=False), -1) == labels)
    assert accuracy >= 0.8, accuracy


def test_colour_stroke_is_met_and_the_image_stays_a_digit(tools):
    ig, classifier = tools
    mask = stroke_mask(32, [(16, 12), (16, 20)], radius=1.5)
    for seed in range(3):
        z0 = ig.random_latents(1, seed)
        path, frames = ig.edit(z0, Constraints(32, 32, 1).color(mask, 1.0), steps=60, num_frames=8)
        assert path.shape == (8, 100) and frames.shape == (8, 32, 32, 1)
        np.testing.assert_allclose(path[0], z0[0])
        np.testing.assert_allclose(frames[0], ig.render(z0)[0], atol=1e-5)
        before, after = np.abs(frames[0][mask] - 1.0).mean(), np.abs(frames[-1][mask] - 1.0).mean()
        assert before > 0.6 and after < 0.25, (seed, before, after)  # measured after: 0.04-0.07
        assert _confidence(classifier, frames[-1:])[0] >= 0.7  # measured 0.94-1.0


def test_sketch_stroke_draws_an_edge_there(tools):
    ig, classifier = tools
    mask = stroke_mask(32, [(8, 24), (24, 24)], radius=0.5)
    z0 = ig.random_latents(1, 3)
    _, frames = ig.edit(z0, Constraints(32, 32, 1).sketch(mask), steps=60)
    edges = sobel_edges(frames).numpy()[..., 0]
    before, after = edges[0][mask].mean(), edges[-1][mask].mean()
    assert after - before > 0.3 and after > 0.7, (before, after)  # measured 0.36 → 0.88
    assert _confidence(classifier, frames[-1:])[0] >= 0.5  # measured 0.81


def test_warp_brush_moves_the_region(tools):
    ig, _ = tools
    z0 = ig.random_latents(1, 0)
    source = ig.render(z0)[0]
    region = np.zeros((32, 32), bool)
    region[8:24, 8:24] = True
    c = Constraints(32, 32, 1).warp(region, (0, 4), source)
    target = np.zeros((32, 32), bool)
    target[8:24, 12:28] = True
    assert c.mask_area("color") == target.sum()
    moved = np.roll(source, 4, axis=1)  # the source shifted right by 4 pixels, compared on the target place
    _, frames = ig.edit(z0, c, steps=80)
    before = np.abs(frames[0][target] - moved[target]).mean()
    after = np.abs(frames[-1][target] - moved[target]).mean()
    assert after < 0.6 * before, (before, after)  # measured 0.58 → 0.13


def test_edit_transfer_keeps_the_unedited_region_of_the_original(tools):
    from scipy.ndimage import binary_dilation

    from tfgan_zoo.evaluation.digits import digits_images

    ig, _ = tools
    images, _ = digits_images(32, "test")
    original = images[5]
    z, _ = ig.project(original[None], steps=60)
    mask = stroke_mask(32, [(16, 10), (16, 22)], radius=1.5)
    _, frames = ig.edit(z[0], Constraints(32, 32, 1).color(mask, 1.0), steps=60, num_frames=4)
    region = stroke_mask(32, [(16, 10), (16, 22)], radius=4)
    out = transfer(original, frames, region=region)
    assert out.shape == (4, 32, 32, 1)
    np.testing.assert_array_equal(out[0], original)
    np.testing.assert_array_equal(out[-1][~region], original[~region])  # outside the edit: the original, exactly
    assert out[-1][mask].mean() > original[mask].mean() + 0.3  # the white line was transferred
    # without a region: pixels the generated frames leave (nearly) unchanged keep the original's values
    free = transfer(original, frames)
    still = ~binary_dilation(np.abs(frames[-1] - frames[0]).max(-1) > 0.05)
    assert still.sum() >= 50  # measured 121 of 1,024 pixels: the generator redraws most of a digit while editing
    np.testing.assert_array_equal(free[-1][still], original[still])
    assert np.abs(free[-1][~still] - original[~still]).max() > 0.3  # and the edited pixels did change


def test_bad_inputs_say_what_was_expected(tools):
    ig, _ = tools
    with pytest.raises(ValueError, match=r"\[N, 32, 32, 1\]"):
        ig.project(np.zeros((2, 28, 28, 1), np.float32))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        ig.project(np.full((1, 32, 32, 1), 3.0, np.float32))
    with pytest.raises(ValueError, match=r"\(32, 32\)"):
        Constraints(32, 32, 1).color(np.ones((16, 16)), 1.0)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        Constraints(32, 32, 1).color(np.ones((32, 32)), 255)
    with pytest.raises(ValueError, match="Constraints"):
        ig.edit(ig.random_latents(1), Constraints(16, 16, 1))
    with pytest.raises(TypeError, match="unconditional"):
        IGAN(object())


def test_module_functions_reuse_one_tool_per_model(tools):
    from tfgan_zoo.interactive import edit
    from tfgan_zoo.interactive.igan import tools_for

    ig, _ = tools
    assert tools_for(ig.model) is tools_for(ig.model)
    mask = stroke_mask(32, [(16, 12), (16, 20)], radius=1.5)
    path, frames = edit(ig.model, ig.random_latents(1, 0), Constraints(32, 32, 1).color(mask, 1.0), steps=20,
                        num_frames=3)
    assert path.shape == (3, 100) and frames.shape == (3, 32, 32, 1)
