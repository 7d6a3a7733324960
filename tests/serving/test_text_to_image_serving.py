"""A plain-text sentence sent by gRPC Predict to the zoo's model server returns images of the digit it names (the
shipped gan_cls preset and the whole StackGAN Stage-I + Stage-II cascade, judged by the shipped digits classifier)."""

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

import tfgan_zoo
from tfgan_zoo.data.digit_captions import DIGIT_WORDS
from tfgan_zoo.evaluation.digits import DigitsFeatureNetwork
from tfgan_zoo.export.saved_model import export_saved_model
from tfgan_zoo.serving import serve

#: the presets agree with the classifier on 0.855 (gan_cls) and 0.68 (stackgan Stage-II) of "a <digit>" prompts
#: (recorded in their preset.json); chance 0.1.
MIN_AGREEMENT = {"gan_cls_digits_32": 0.6, "stackgan_digits_64": 0.45}


@pytest.mark.parametrize("preset", sorted(MIN_AGREEMENT))
def test_grpc_predict_with_a_sentence_returns_that_digit(tmp_path, preset):
    import grpc

    model = tfgan_zoo.from_preset(preset)
    export_saved_model(model, tmp_path, preset, version=1)
    server = serve(str(tmp_path), poll_interval=0)
    try:
        assert server.manager.wait_for_version(preset, 1, timeout=60)
        channel = grpc.insecure_channel(server.grpc_address)
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        texts, asked = [], []
        for d in range(10):
            texts += [f"a {DIGIT_WORDS[d]}"] * 8
            asked += [d] * 8
        request = predict_pb2.PredictRequest()
        request.model_spec.name = preset
        request.model_spec.signature_name = "generate_from_text"
        request.inputs["text"].CopyFrom(tf.make_tensor_proto(np.asarray(texts, object)))
        request.inputs["seed"].CopyFrom(tf.make_tensor_proto(np.int32(7)))
        response = stub.Predict(request, timeout=60)
        channel.close()
    finally:
        server.stop()
    images = tf.make_ndarray(response.outputs["images"])
    size = model.image_size
    assert images.shape == (80, size, size, 1)
    np.testing.assert_allclose(images, model.generate_from_text(texts, seed=7), atol=1e-4)
    agreement = float((DigitsFeatureNetwork().predict_labels(images) == np.asarray(asked)).mean())
    assert agreement >= MIN_AGREEMENT[preset], agreement
