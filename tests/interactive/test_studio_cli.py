"""`tfgan-zoo studio`: the page and the models' studio metadata are served on 127.0.0.1 over the zoo's local REST
server; a base path without studio models is a clear error."""

import json
import urllib.request

import numpy as np

from tfgan_zoo import cli


def test_studio_without_studio_models_says_how_to_export_one(tmp_path, capsys):
    assert cli.main(["studio", "--model_base_path", str(tmp_path), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "--preset dcgan_digits_32" in err and "studio.json" in err


def test_studio_serves_the_page_and_forwards_predict(tmp_path):
    import tfgan_zoo
    from tfgan_zoo.export import export_saved_model
    from tfgan_zoo.interactive.studio import prepare_studio_model

    model = tfgan_zoo.build_model("dcgan", image_size=16, channels=1, g_base_filters=8, d_base_filters=8, seed=0)
    prepare_studio_model(model, tmp_path, "tiny", export_saved_model, num_samples=20, units_per_concept=2)
    args = cli.build_parser().parse_args(["studio", "--model_base_path", str(tmp_path), "--port", "0"])
    page, server = args.func(args, block=False)
    try:
        html = urllib.request.urlopen(page.url + "/").read().decode()
        assert "<canvas id=\"view\"" in html and "igan_edit" in html
        models = json.load(urllib.request.urlopen(page.url + "/studio/models.json"))["models"]
        assert [m["name"] for m in models] == ["tiny"]
        assert models[0]["image_size"] == [16, 16] and models[0]["num_units"] == 8
        assert len(models[0]["concepts"]) == 10 and all(len(c["units"]) == 2 for c in models[0]["concepts"])
        body = json.dumps({"signature_name": "sample", "inputs": {"seed": 1, "num_images": 1}}).encode()
        out = json.load(urllib.request.urlopen(urllib.request.Request(
            page.url + "/v1/models/tiny:predict", data=body, method="POST")))["outputs"]
        expected = model.generate(1, seed=1)
        np.testing.assert_allclose(np.asarray(out["images"], np.float32), expected, atol=1e-4)
        # TF Serving's errors pass through the studio unchanged
        bad = urllib.request.Request(page.url + "/v1/models/nope:predict", data=body, method="POST")
        try:
            urllib.request.urlopen(bad)
            raise AssertionError("an unknown model must be an error")
        except urllib.error.HTTPError as e:
            assert e.code == 404 and "nope" in e.read().decode()
    finally:
        page.stop()
        server.stop()


def test_studio_serves_a_semantic_model_for_the_drawing_tool(tmp_path):
    """A semantic-synthesis model is exported as it is, with class brushes and style latents in studio.json; the
    page's `synthesize` request through the studio gives the model's own synthesis."""
    import tfgan_zoo
    from tfgan_zoo.export import export_saved_model
    from tfgan_zoo.interactive.studio import prepare_studio_model
    from tfgan_zoo.interactive.studio.server import StudioServer
    from tfgan_zoo.serving import serve

    model = tfgan_zoo.build_model("gaugan", num_classes=11, image_size=32, channels=1, ngf=2, ndf=4, spade_hidden=4,
                                  z_dim=8, encoder_size=32, perceptual_weight=0, use_instances=True, seed=0)
    prepare_studio_model(model, tmp_path, "draw", export_saved_model)
    server = serve(str(tmp_path), poll_interval=0)
    page = StudioServer(str(tmp_path), server.rest_url).start()
    try:
        (meta,) = json.load(urllib.request.urlopen(page.url + "/studio/models.json"))["models"]
        assert meta["kind"] == "semantic" and meta["signature"] == "synthesize"
        assert meta["inputs"] == ["labels", "instances", "latents"]
        assert [c["name"] for c in meta["classes"]][:3] == ["background", "digit 0", "digit 1"]
        assert len(meta["classes"]) == 11 and meta["classes"][0]["color"] == [0, 0, 0]
        assert len({tuple(c["color"]) for c in meta["classes"]}) == 11  # one brush colour per class
        assert len(meta["styles"]) == 8 and len(meta["styles"][0]) == 8
        labels = np.zeros((32, 32), np.int32)
        labels[4:28, 14:18] = 2
        instances = (labels > 0).astype(np.int32)
        style = np.asarray(meta["styles"][1], np.float32)
        body = json.dumps({"signature_name": "synthesize", "inputs": {
            "labels": [labels.tolist()], "instances": [instances.tolist()], "latents": [style.tolist()]}}).encode()
        out = json.load(urllib.request.urlopen(urllib.request.Request(
            page.url + "/v1/models/draw:predict", data=body, method="POST")))["outputs"]
        expected = model.synthesize(labels, instances, seed=1)
        np.testing.assert_allclose(np.asarray(out["images"] if isinstance(out, dict) else out, np.float32), expected,
                                   atol=1e-4)
    finally:
        page.stop()
        server.stop()
