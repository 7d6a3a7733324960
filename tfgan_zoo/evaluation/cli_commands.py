"""`tfgan-zoo eval`: measure a trained model under named protocols.

    tfgan-zoo eval --config zoo_configs/dcgan/dcgan_digits_32.yaml --checkpoint runs/dcgan_digits_32/checkpoints \
        --metrics fid,kid,pr,is [--num_samples N] [--feature_net digits|PATH|keras_inception_v3[:weights]]

Metric names take the feature network's default protocol (`fid` → `digits_fid` with the digits classifier,
`fid50k` with Inception); protocol names (`fid10k`, `digits_coverage`, ...) are accepted too. The feature network
defaults to the shipped digits classifier for configs on the bundled digits and to the TF Inception graph
otherwise. Prints one line per protocol and, with `--output`, writes the full records (protocol, sample counts,
feature network, seed) as JSON. The measurement itself is `tfgan_zoo.evaluation.evaluate_config`.
"""

from __future__ import annotations

import json
import os


def add_eval_parser(subparsers):
    """Adds the `eval` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser("eval", help="measure a trained model (FID, KID, IS, precision/recall, ...)")
    p.add_argument("--config", required=True, help="zoo_configs/<family>/<config>.yaml")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config value (repeatable)")
    p.add_argument("--checkpoint", required=True, help="checkpoint folder/prefix, .weights.h5 or .keras")
    p.add_argument("--metrics", default="fid,kid,pr,is",
                   help="comma-separated metrics (fid,kid,is,pr,dc,coverage,class_accuracy,swd,parzen) or protocols "
                   "(fid50k, digits_fid, ...)")
    p.add_argument("--num_samples", type=int, default=None, help="generated images (default: each protocol's)")
    p.add_argument("--feature_net", default=None,
                   help="digits | inception | PATH to classify_image_graph_def.pb or a SavedModel | "
                   "keras_inception_v3[:weights]")
    p.add_argument("--real_images", default=None,
                   help=".npy/.npz of real images in [-1, 1] or uint8 (default: from the config's data)")
    p.add_argument("--batch_size", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", default=None, help="write the result records as JSON here")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run_eval)
    return p


def run_eval(args):
    """Implements `tfgan-zoo eval`. Returns the `EvaluationResult`."""
    import tfgan_zoo
    from tfgan_zoo.evaluation.config_eval import evaluate_config

    config = tfgan_zoo.load_config(args.config, list(args.set or []))
    result = evaluate_config(
        config,
        args.checkpoint,
        args.metrics,
        num_samples=args.num_samples,
        feature_net=args.feature_net,
        real_images=args.real_images,
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
