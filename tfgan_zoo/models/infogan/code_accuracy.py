"""How well InfoGAN's first categorical code clusters digit classes (the paper's MNIST result: ~5% error).

    python -m tfgan_zoo.models.infogan.code_accuracy --preset infogan_digits_28
    python -m tfgan_zoo.models.infogan.code_accuracy --config zoo_configs/infogan/infogan_digits_28.yaml \
        --weights model.weights.h5

Q reads the code of every bundled digit (all 1,797, at the model's resolution); the accuracy is that of the code
as a classifier under the best one-to-one code→class matching (Hungarian algorithm). Prints JSON.
"""

from __future__ import annotations

import argparse
import json

from tfgan_zoo import _env  # noqa: F401  (before TensorFlow)


def evaluate_code_accuracy(model, split="all"):
    from tfgan_zoo.data import load_arrays
    from tfgan_zoo.models.infogan.infogan_gan import code_class_accuracy

    if not model.categorical_codes:
        raise ValueError("The model has no categorical code to evaluate.")
    images, labels = load_arrays("digits", model.image_size, model.channels, split)
    codes = model.infer_codes(images)["categorical"][:, 0]
    acc, mapping = code_class_accuracy(codes, labels, model.categorical_codes[0], 10)
    return {"accuracy": acc, "num_images": int(len(labels)), "code_to_class": mapping, "split": split}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default=None, help="preset name or folder")
    p.add_argument("--config", default=None)
    p.add_argument("--weights", default=None)
    args = p.parse_args(argv)
    import tfgan_zoo

    if args.preset:
        model = tfgan_zoo.from_preset(args.preset)
    elif args.config and args.weights:
        model = tfgan_zoo.build_model(args.config)
        model.load_weights(args.weights)
    else:
        p.error("pass --preset, or --config and --weights")
    print(json.dumps(evaluate_code_accuracy(model), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
