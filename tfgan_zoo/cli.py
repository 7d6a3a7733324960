"""`tfgan-zoo` command line: list | train | sample | demo | export | serve | eval | studio.

Built on argparse subcommands (absl flags has no subcommands); every command prints where its outputs went.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

from tfgan_zoo import _env  # noqa: F401  (before TensorFlow)

DEMO_CONFIG = {
    "model": {
        "name": "dcgan",
        "params": {"image_size": 32, "channels": 1, "g_base_filters": 32, "d_base_filters": 32, "kernel_size": 4,
                   "seed": 0},
    },
    "train": {"batch_size": 64, "steps": 600, "steps_per_epoch": 100, "num_sample_images": 64},
    "data": {"source": "digits", "image_size": 32, "channels": 1},
}


def _cmd_list(args):
    import tfgan_zoo
    from tfgan_zoo.registry import task_of

    names = tfgan_zoo.list_models(args.task)
    width = max(len(n) for n in names)
    for n in names:
        cls = tfgan_zoo.get_model_class(n)
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        print(f"{n:<{width}}  {str(task_of(n)):<16} {doc}")


def _load(args):
    import tfgan_zoo

    overrides = list(args.set or [])
    if getattr(args, "workdir", None):
        overrides.append(f"train.workdir={args.workdir}")
    return tfgan_zoo.load_config(args.config, overrides)


def _cmd_train(args):
    from tfgan_zoo.training import train

    config = _load(args)
    result = train(config, resume=args.resume, overwrite=args.overwrite)
    _report_training(result)
    return result


def _report_training(result):
    print(f"\n[tfgan-zoo] trained steps {result.start_step} → {result.end_step} in {result.seconds:.1f} s")
    if result.history:
        print("[tfgan-zoo] final losses: " + ", ".join(f"{k}={v[-1]:.4f}" for k, v in result.history.items()))
    print(f"[tfgan-zoo] checkpoints: {result.checkpoint_dir}")
    if result.sample_path:
        print(f"[tfgan-zoo] sample grid: {result.sample_path}")


def _cmd_sample(args):
    import numpy as np

    from tfgan_zoo.training import restore_model
    from tfgan_zoo.utils.images import save_grid

    config = _load(args)
    model = restore_model(config, args.checkpoint)
    sources = labels = None
    if model.task.two_domain and model.task.image_input:  # translate held-out images of the source domain
        from tfgan_zoo.data import two_domain_arrays

        a, _, b, _ = two_domain_arrays(config.data.source, config.data.image_size, config.data.channels, "test")
        sources = a if args.direction == "a_to_b" else b
    elif model.task.multi_domain and config.data.source == "digits_attributes":  # held-out images, random targets
        from tfgan_zoo.data.digit_attributes import load_digit_attributes

        sources = load_digit_attributes(config.data.image_size, config.data.channels, "test")[0]
    elif model.task.image_input:  # translate held-out source images of the configured data
        from tfgan_zoo.data import load_arrays

        sources, _ = load_arrays(config.data.source, config.data.image_size, config.data.channels, "test")
    if args.labels:
        if not model.task.labels:
            raise SystemExit(f"--labels is for class-conditional models; {config.model.name} is {model.task}.")
        labels = np.array([int(x) for x in args.labels.split(",")], np.int32)
    extra = {"direction": args.direction} if model.task.two_domain and model.task.image_input else {}
    if args.text:
        if not getattr(model.task, "text", False):
            raise SystemExit(f"--text is for text-to-image models; {config.model.name} is {model.task}.")
        extra["text"] = args.text
    images = model.task.sample(model, args.num_images, seed=args.seed, labels=labels, sources=sources, **extra)
    path = save_grid(args.out, images)
    if args.npy:
        np.save(args.npy, images)
    print(f"[tfgan-zoo] wrote {len(images)} samples to {path}")


def _cmd_translate(args):
    """Translates every image of a folder with a trained translator and writes one PNG per input."""
    import numpy as np
    import tensorflow as tf

    from tfgan_zoo.data.folders import IMAGE_EXTENSIONS
    from tfgan_zoo.training import restore_model
    from tfgan_zoo.utils.images import save_png, to_uint8

    config = _load(args)
    if not os.path.isdir(args.input):
        raise SystemExit(f"error: --input {args.input!r} is not a folder of images.")
    names = sorted(f for f in os.listdir(args.input) if f.lower().endswith(IMAGE_EXTENSIONS))
    if not names:
        raise SystemExit(f"error: no images ({', '.join(IMAGE_EXTENSIONS)}) in {args.input!r}.")
    model = restore_model(config, args.checkpoint)
    if model.task.user_api != "translate":
        raise SystemExit(f"error: {config.model.name} is a {model.task} model; `translate` takes image translators.")
    two_way = model.task.two_domain
    if not two_way and args.direction != "a_to_b":
        raise SystemExit(f"error: {config.model.name} translates one way; --direction is for two-domain models.")
    size = model.image_size
    channels = model.channels if two_way else model.in_channels
    os.makedirs(args.out, exist_ok=True)
    for start in range(0, len(names), args.batch_size):
        batch = []
        for name in names[start : start + args.batch_size]:
            path = os.path.join(args.input, name)
            try:
                img = tf.io.decode_image(tf.io.read_file(path), channels=channels, expand_animations=False)
            except tf.errors.InvalidArgumentError as e:
                raise SystemExit(f"error: {path} is not a readable image ({e.message.splitlines()[0]}).") from None
            img = tf.image.resize(tf.cast(img, tf.float32), (size, size), antialias=True) / 127.5 - 1.0
            batch.append(np.clip(img.numpy(), -1.0, 1.0))
        batch = np.stack(batch)
        out = model.translate(batch, direction=args.direction) if two_way else model.translate(batch)
        for name, image in zip(names[start : start + args.batch_size], to_uint8(out)):
            save_png(os.path.join(args.out, os.path.splitext(name)[0] + ".png"), image)
    print(f"[tfgan-zoo] translated {len(names)} images ({args.direction}) into {args.out}")


def _cmd_demo(args):
    """Train on bundled digits → sample grid → SavedModel → serve on 127.0.0.1 → answer one request."""
    import numpy as np

    from tfgan_zoo.config import config_from_dict
    from tfgan_zoo.training import train

    raw = json.loads(json.dumps(DEMO_CONFIG))
    raw["train"]["workdir"] = os.path.join(args.out, "run")
    raw["train"]["steps"] = args.steps
    raw["train"]["steps_per_epoch"] = min(100, args.steps)
    config = config_from_dict(raw)
    print(f"[tfgan-zoo demo] training {config.model.name} on the bundled scikit-learn digits for {args.steps} steps")
    # a demo run again into the same --out starts over; the earlier run is moved aside (never deleted)
    result = train(config, overwrite=True)
    _report_training(result)
    model = result.model
    from tfgan_zoo.export import export_saved_model
    from tfgan_zoo.serving import PredictClient, serve

    export_dir = export_saved_model(model, os.path.join(args.out, "export"), model_name="dcgan_digits")
    print(f"[tfgan-zoo demo] SavedModel: {export_dir}")
    server = serve(os.path.join(args.out, "export"), host="127.0.0.1")
    try:
        client = PredictClient(server.grpc_address, "dcgan_digits", signature="serving_default")
        latents = model.latents_for(4, seed=0).numpy()
        images = client.generate(latents=latents)
        expected = model.generate_from_latents(latents)
        err = float(np.max(np.abs(images - expected)))
        print(f"[tfgan-zoo demo] served at grpc {server.grpc_address} / rest {server.rest_address}; one Predict "
              f"request → images {images.shape}, max |served - in-process| = {err:.2e}")
    finally:
        server.stop()
    return result


def _cmd_studio(args, block=True):
    """The studio page (iGAN brush, GANpaint) on 127.0.0.1 over the REST API of the models under --model_base_path:
    the zoo's local model server, or a TF Serving at --rest_api_url. Returns (page, server) when not `block`."""
    import time

    from tfgan_zoo.interactive.studio.server import StudioServer, studio_models

    os.makedirs(args.model_base_path, exist_ok=True)
    known = {m["name"] for m in studio_models(args.model_base_path)}
    for name in args.preset or ():
        if name not in known:
            import tfgan_zoo
            from tfgan_zoo.export import export_saved_model
            from tfgan_zoo.interactive.studio import prepare_studio_model

            path = prepare_studio_model(tfgan_zoo.from_preset(name), args.model_base_path, name, export_saved_model,
                                        layer_name=args.layer)
            print(f"[tfgan-zoo studio] exported {name} with the igan_edit / intervene signatures to {path}")
    if not studio_models(args.model_base_path):
        raise FileNotFoundError(
            f"No model under {args.model_base_path} has the studio's signatures (assets.extra/studio.json). Export "
            "one with `tfgan-zoo studio --model_base_path DIR --preset dcgan_digits_32`.")
    server, api = None, args.rest_api_url
    if not api:
        from tfgan_zoo.serving import serve

        server = serve(args.model_base_path, host="127.0.0.1")
        api = server.rest_url
    page = StudioServer(args.model_base_path, api, host="127.0.0.1", port=args.port).start()
    print(f"[tfgan-zoo studio] open {page.url} (models: {api}); Ctrl-C stops")
    if not block:
        return page, server
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        page.stop()
        if server is not None:
            server.stop()


#: Subcommands defined outside this module: command → (module, function that adds its parser). They import when
#: the parser is built; one that fails to import stays listed and reports the import error when it is run.
SUBCOMMANDS = {
    "export": ("tfgan_zoo.export.cli_commands", "add_export_parser"),
    "convert": ("tfgan_zoo.pretrained.convert", "add_convert_parser"),
    "serve": ("tfgan_zoo.serving.cli_commands", "add_serve_parser"),
    "eval": ("tfgan_zoo.evaluation.cli_commands", "add_eval_parser"),
}


def build_parser():
    parser = argparse.ArgumentParser(prog="tfgan-zoo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="list registered models")
    p.add_argument("--task", default=None, help="only models of this task")
    p.set_defaults(func=_cmd_list)

    def common(p):
        p.add_argument("--config", required=True, help="zoo_configs/<family>/<config>.yaml")
        p.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="override a config value, e.g. --set train.batch_size=32 (repeatable)")
        p.add_argument("--workdir", default=None, help="output folder (overrides train.workdir)")

    p = sub.add_parser("train", help="train a model from a config")
    common(p)
    once = p.add_mutually_exclusive_group()
    once.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in the workdir")
    once.add_argument("--overwrite", action="store_true",
                      help="the workdir holds an earlier run: move it aside (<name>.old-<timestamp>) and start over")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("sample", help="write a sample grid from a trained model")
    common(p)
    p.add_argument("--checkpoint", required=True, help="checkpoint folder/prefix, .weights.h5 or .keras")
    p.add_argument("--num_images", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--labels", default="", help="comma-separated class ids (conditional models)")
    p.add_argument("--text", action="append", default=None,
                   help='text-to-image models: a sentence, e.g. "a thick seven" (repeatable; the images are split '
                        "evenly among them)")
    p.add_argument("--out", default="samples.png")
    p.add_argument("--npy", default="", help="also save the raw images as .npy")
    p.add_argument("--direction", default="a_to_b", choices=("a_to_b", "b_to_a"),
                   help="two-domain translators: which way to translate the held-out images")
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("translate", help="translate a folder of images with a trained translator")
    common(p)
    p.add_argument("--checkpoint", required=True, help="checkpoint folder/prefix, .weights.h5 or .keras")
    p.add_argument("--direction", default="a_to_b", choices=("a_to_b", "b_to_a"),
                   help="two-domain translators: a_to_b (default) or b_to_a")
    p.add_argument("--input", required=True, help="folder of images (png, jpg, bmp, gif)")
    p.add_argument("--out", required=True, help="output folder (one PNG per input image)")
    p.add_argument("--batch_size", type=int, default=16)
    p.set_defaults(func=_cmd_translate)

    p = sub.add_parser("demo", help="train on bundled digits, write samples, export, serve and answer a request")
    p.add_argument("--out", default="demo_output")
    p.add_argument("--steps", type=int, default=600)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("studio", help="serve the studio page (iGAN brush editing, GANpaint, GauGAN-style "
                       "drawing) on 127.0.0.1")
    p.add_argument("--model_base_path", required=True, help="models exported with the studio's signatures")
    p.add_argument("--port", type=int, default=8600, help="the page's port (0: any free port)")
    p.add_argument("--preset", action="append", help="export this preset there first (repeatable), e.g. "
                   "dcgan_digits_32 or gaugan_digits_scenes_32")
    p.add_argument("--layer", default="up1_relu", help="the generator layer GANpaint intervenes on (with --preset)")
    p.add_argument("--rest_api_url", default=None,
                   help="a running TF Serving REST API (http://host:8501) instead of the zoo's local server")
    p.set_defaults(func=_cmd_studio)

    for command, (module, adder) in SUBCOMMANDS.items():
        try:
            mod = importlib.import_module(module)
        except ImportError as e:
            _add_unavailable_parser(sub, command, module, e)
            continue
        getattr(mod, adder)(sub)
    return parser


class CommandUnavailableError(RuntimeError):
    """A subcommand's module failed to import; the message says which module and why."""


def _add_unavailable_parser(sub, command, module, error):
    """Registers `command` so that running it reports why its module did not import (instead of vanishing)."""
    reason = f"{type(error).__name__}: {error}"
    help_text = f"UNAVAILABLE: importing {module} failed ({reason})".replace("%", "%%")
    p = sub.add_parser(command, help=help_text, description=help_text, add_help=False)

    def unavailable(args):
        raise CommandUnavailableError(
            f"this command is unavailable because importing {module} failed: {reason}. Install the missing "
            f"dependency (pip install -e .) or run `python -c 'import {module}'` for the traceback."
        ) from error

    p.set_defaults(func=unavailable, unavailable=True)


def main(argv=None):
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "unavailable", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    from tfgan_zoo.config import ConfigError
    from tfgan_zoo.data.folders import ImageFolderError
    from tfgan_zoo.training.checkpoint import CheckpointMismatchError
    from tfgan_zoo.training.distribute import StrategyError
    from tfgan_zoo.training.trainer import WorkdirError

    try:
        args.func(args)
    except (ConfigError, StrategyError, WorkdirError, CheckpointMismatchError, FileNotFoundError, FileExistsError,
            ImageFolderError, CommandUnavailableError) as e:
        print(f"tfgan-zoo {args.command}: error: {e}", file=sys.stderr)
        return 2
    except (OSError, RuntimeError) as e:
        # a port another process holds: gRPC raises RuntimeError("Failed to bind to address ..."), the REST server
        # OSError(EADDRINUSE); anything else is unexpected and keeps its traceback
        import errno

        if not (getattr(e, "errno", None) == errno.EADDRINUSE
                or str(e).startswith(("Failed to bind to address", "Could not bind"))):
            raise
        ports = ", ".join(f"--{k} {getattr(args, k)}" for k in ("port", "rest_api_port") if getattr(args, k, None))
        print(f"tfgan-zoo {args.command}: error: a port is in use ({ports}): {e}. Choose another port or stop the "
              "process that holds it.", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
