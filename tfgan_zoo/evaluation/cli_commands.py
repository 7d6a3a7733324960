"""`tfgan-zoo eval`: measure a trained model under named protocols.

    tfgan-zoo eval --config zoo_configs/dcgan/dcgan_digits_32.yaml --checkpoint runs/dcgan_digits_32/checkpoints \
        --metrics fid,kid,pr,is [--num_samples N] [--feature_net digits|PATH|keras_inception_v3[:weights]]

Metric names take the feature network's default protocol (`fid` → `digits_fid` with the digits classifier,
`fid50k` with Inception); protocol names (`fid10k`, `digits_coverage`, ...) are accepted too. The feature network
defaults to the shipped digits classifier for configs on the bundled digits and to the TF Inception graph
otherwise. Prints one line per protocol and, with `--output`, writes the full records (protocol, sample counts,
feature network, seed) as JSON.
"""

from __future__ import annotations

import json
import os

import numpy as np

DIGITS_SOURCES = ("digits",)


def add_eval_parser(subparsers):
    """Adds the `eval` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser("eval", help="measure a trained model (FID, KID, IS, precision/recall, ...)")
    p.add_argument("--config", required=True, help="zoo_configs/<family>/<config>.yaml")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config value (repeatable)")
    p.add_argument("--checkpoint", required=True, help="checkpoint folder/prefix, .weights.h5 or .keras")
    p.add_argument("--metrics", default="fid,kid,pr,is",
                   help="comma-separated metrics (fid,kid,is,pr,dc,coverage,class_accuracy,swd,parzen) or protocols (fid50k, digits_fid, ...)")
    p.add_argument("--num_samples", type=int, default=None, help="generated images (default: each protocol's)")
    p.add_argument("--feature_net", default=None,
                   help="digits | inception | PATH to classify_image_graph_def.pb or a SavedModel | keras_inception_v3[:weights]")
    p.add_argument("--real_images", default=None, help=".npy/.npz of real images in [-1, 1] or uint8 (default: from the config's data)")
    p.add_argument("--batch_size", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", default=None, help="write the result records as JSON here")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run_eval)
    return p


def _load_array_file(path):
    data = np.load(path)
    if isinstance(data, np.lib.npyio.NpzFile):
        key = "images" if "images" in data.files else data.files[0]
        return data[key], (data["labels"] if "labels" in data.files else None)
    return data, None


def real_images_from_config(data_config, limit: int = 50_000):
    """Real images (and labels if any) of a config's data section, up to `limit`, as numpy arrays in [-1, 1]."""
    from tfgan_zoo import data as data_lib

    if data_config.source in ("digits", "skimage_faces", "skimage_images"):
        images, labels = data_lib.load_arrays(data_config.source, data_config.image_size, data_config.channels, "all"
                                              if data_config.source == "digits" else data_config.split)
        return images[:limit], labels[:limit]
    ds, _ = data_lib.build_dataset(data_config, "unconditional", batch_size=100, repeat=False)
    images, count = [], 0
    for batch in ds:
        images.append(np.asarray(batch))
        count += len(images[-1])
        if count >= limit:
            break
    return np.concatenate(images)[:limit], None


def run_eval(args):
    """Implements `tfgan-zoo eval`. Returns the `EvaluationResult`."""
    import tfgan_zoo
    from tfgan_zoo.cli import restore_model
    from tfgan_zoo.evaluation.protocols import evaluate, resolve_feature_network

    config = tfgan_zoo.load_config(args.config, list(args.set or []))
    feature_net = args.feature_net or ("digits" if config.data.source in DIGITS_SOURCES else "inception")
    net = resolve_feature_network(feature_net)  # fail on a missing Inception file before restoring the model
    model = restore_model(config, args.checkpoint)
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]

    real_images = real_labels = None
    if args.real_images:
        real_images, real_labels = _load_array_file(args.real_images)
    elif config.data.source not in DIGITS_SOURCES or feature_net != "digits":
        real_images, real_labels = real_images_from_config(config.data)

    result = evaluate(
        model,
        metrics,
        num_samples=args.num_samples,
        real_images=real_images,
        real_labels=real_labels,
        feature_net=net,
        batch_size=args.batch_size,
        seed=args.seed,
        progress=not args.quiet,
    )
    print(f"[tfgan-zoo eval] {config.model.name} from {args.checkpoint}")
    print(result.summary())
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        payload = {"config": args.config, "checkpoint": args.checkpoint, "model": config.model.name,
                   "records": json.loads(result.to_json())}
        with open(args.output, "w") as f:
            json.dump(payload, f, indent=2)
        print(f"[tfgan-zoo eval] wrote {args.output}")
    return result
