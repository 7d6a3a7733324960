"""Named evaluation protocols and `evaluate()`, which generates from a zoo model and scores it.

A protocol fixes everything a number depends on: the metric, how many generated and real images, the feature
network, the resizer (a property of the network) and the metric's options. `evaluate()` records, next to every
value, the protocol, the sample counts actually used and `FeatureNetwork.describe()`, so a number never travels
without its provenance. Asking for a protocol with a different `num_samples` is allowed and is recorded as a
deviation (the protocol name gets an `@n=` suffix).

Protocols on the TF Inception graph (fid50k, kid50k, is50k, pr50k3, ...) follow the conventions of StudioGAN v0.4
and stylegan2-ada: all real training images as reference (pr50k3: 50k of them), images quantized to uint8 and
resized by the graph's own bilinear op. `digits_*` protocols use the shipped digits classifier and the 1,797
bundled digits; they are this project's offline yardstick and are not comparable to any published number.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import os

import numpy as np

from tfgan_zoo.evaluation import digits as digits_lib
from tfgan_zoo.evaluation._utils import check_images
from tfgan_zoo.evaluation.feature_network import FeatureNetwork
from tfgan_zoo.evaluation.fid import fid_from_features
from tfgan_zoo.evaluation.inception_score import inception_score
from tfgan_zoo.evaluation.kid import kid_from_features
from tfgan_zoo.evaluation.parzen import DEFAULT_SIGMAS, parzen_estimate
from tfgan_zoo.evaluation.precision_recall import density_coverage, per_class_coverage, precision_recall
from tfgan_zoo.evaluation.swd import sliced_wasserstein_distance

METRICS = ("fid", "kid", "is", "pr", "dc", "coverage", "class_accuracy", "swd", "parzen")
#: Metrics computed on pixels rather than on a feature network.
PIXEL_METRICS = ("swd", "parzen")


@dataclasses.dataclass(frozen=True)
class Protocol:
    """A fully specified measurement.

    Attributes:
        name: registry name (`fid50k`, `digits_fid`, ...).
        metric: one of `METRICS`.
        num_fake: generated images.
        num_real: real images (None: all that are given; fewer are used when more are given).
        feature_net: 'inception' (the TF graph), 'digits', or 'pixels'.
        options: metric options (splits, k, subsets, ...).
        description: the protocol in words, with where it comes from.
        resizer: how images reach the network's input size (a key of `feature_network.RESIZERS`); derived
            from `feature_net` when not given. A `feature_net=` override records that network's resizer instead.
    """

    name: str
    metric: str
    num_fake: int
    num_real: int | None
    feature_net: str
    options: dict = dataclasses.field(default_factory=dict)
    description: str = ""
    resizer: str = ""

    def __post_init__(self):
        if not self.resizer:
            defaults = {"inception": "graph_bilinear", "digits": "tf_bilinear", "pixels": "none"}
            default = defaults.get(self.feature_net, "")
            object.__setattr__(self, "resizer", default)


_INCEPTION = (
    "2015-12-05 TF Inception graph (pool_3, 2048-d; 1008 logits), images quantized to uint8 and resized to 299×299 "
    "by the graph's own bilinear op"
)
_DIGITS = "shipped digits classifier (64-d pooled features, 10 logits), images resized to 32×32 (bilinear) if needed"

PROTOCOLS: dict[str, Protocol] = {
    p.name: p
    for p in [
        Protocol("fid50k", "fid", 50_000, None, "inception", {},
                 f"FID, 50k generated vs all real training images; {_INCEPTION} (StudioGAN v0.4, stylegan2-ada "
                 "fid50k_full)."),
        Protocol("fid10k", "fid", 10_000, None, "inception", {},
                 f"FID, 10k generated vs all given real images; {_INCEPTION} (StudioGAN v0.3 used 10k vs 10k test)."),
        Protocol("kid50k", "kid", 50_000, None, "inception", {"num_subsets": 100, "subset_size": 1000},
                 f"KID ×1, 50k generated vs all real, mean of 100 subsets of 1000; {_INCEPTION} (stylegan2-ada "
                 "kid50k_full)."),
        Protocol("is50k", "is", 50_000, 0, "inception", {"splits": 10},
                 f"Inception Score of 50k generated images in 10 splits (mean ± std); {_INCEPTION} (Salimans et al. "
                 "2016)."),
        Protocol("pr50k3", "pr", 50_000, 50_000, "inception", {"k": 3},
                 f"Improved precision/recall, k=3, 50k generated vs 50k real; {_INCEPTION} (Kynkäänniemi et al. "
                 "2019; stylegan2-ada pr50k3_full)."),
        Protocol("dc10k5", "dc", 10_000, 10_000, "inception", {"k": 5},
                 f"Density/coverage, k=5, 10k generated vs 10k real; {_INCEPTION} (Naeem et al. 2020)."),
        Protocol("swd16k", "swd", 16_384, 16_384, "pixels",
                 {"min_resolution": 16, "patches_per_image": 128, "patch_size": 7, "repeats": 4, "directions": 128},
                 "Sliced Wasserstein distance on Laplacian-pyramid 7×7 patches, 16,384 images per set, 128 patches "
                 "per image and level, 512 projections (PGGAN)."),
        Protocol("digits_fid", "fid", 2_000, None, "digits", {},
                 f"FID, 2,000 generated vs the 1,797 bundled digits; {_DIGITS}."),
        Protocol("digits_kid", "kid", 2_000, None, "digits", {"num_subsets": 100, "subset_size": 500},
                 f"KID, 2,000 generated vs the 1,797 digits, mean of 100 subsets of 500; {_DIGITS}."),
        Protocol("digits_is", "is", 2_000, 0, "digits", {"splits": 10},
                 "Inception-Score formula on the digits classifier's softmax, 2,000 images in 10 splits (maximum "
                 f"10); {_DIGITS}."),
        Protocol("digits_pr", "pr", 1_797, 1_797, "digits", {"k": 3},
                 f"Improved precision/recall, k=3, 1,797 generated vs the 1,797 digits; {_DIGITS}."),
        Protocol("digits_dc", "dc", 1_797, 1_797, "digits", {"k": 5},
                 f"Density/coverage, k=5, 1,797 generated vs the 1,797 digits; {_DIGITS}."),
        Protocol("digits_coverage", "coverage", 1_797, 1_797, "digits", {"k": 5},
                 "Per-class coverage (k=5 balls within each real class) and the generated class histogram; "
                 f"{_DIGITS}."),
        Protocol("digits_class_accuracy", "class_accuracy", 2_000, 0, "digits", {},
                 "Class accuracy of a conditional generator's samples: the fraction of 2,000 images (200 per class) "
                 "the classifier assigns to the class they were generated for, and per class (ACGAN's "
                 f"discriminability); {_DIGITS} (99.1% on held-out real digits)."),
        Protocol("digits_swd", "swd", 1_797, 1_797, "pixels",
                 {"min_resolution": 16, "patches_per_image": 128, "patch_size": 7, "repeats": 4, "directions": 128},
                 "PGGAN's SWD on the 1,797 digits vs 1,797 generated images (levels 32 and 16 at 32×32)."),
        Protocol("digits_parzen", "parzen", 10_000, None, "pixels", {"sigmas": DEFAULT_SIGMAS},
                 "Parzen-window log-likelihood (nats) of the 180 held-out digits (tfgan_zoo.data's test split) under "
                 "10k generated images in [0, 1]; σ chosen on the training split over logspace(-1, 0, 10) (Goodfellow "
                 "et al. 2014's protocol; digits has no separate validation split)."),
    ]
}


def list_protocols() -> list[str]:
    return sorted(PROTOCOLS)


def get_protocol(name: str) -> Protocol:
    if name not in PROTOCOLS:
        raise KeyError(f"Unknown protocol {name!r}. Known: {', '.join(list_protocols())}; or a metric: "
                       f"{', '.join(METRICS)}.")
    return PROTOCOLS[name]


def _default_protocol(metric: str, digits: bool) -> Protocol:
    if digits:
        name = {"coverage": "digits_coverage"}.get(metric, f"digits_{metric}")
        return PROTOCOLS[name]
    inception_defaults = {"fid": "fid50k", "kid": "kid50k", "is": "is50k", "pr": "pr50k3", "dc": "dc10k5",
                          "swd": "swd16k"}
    name = inception_defaults.get(metric)
    if name is None:
        raise ValueError(
            f"Metric {metric!r} has no Inception protocol: per-class coverage and class accuracy need a classifier "
            "of the real classes (use feature_net='digits' for digits models) and the Parzen protocol is defined for "
            "digits here."
        )
    return PROTOCOLS[name]


def resolve_protocol(spec, feature_net_kind: str | None = None, num_samples: int | None = None) -> Protocol:
    """A protocol from a name (`fid50k`), a metric (`fid` → the default protocol of the feature network kind),
    or a `Protocol`; `num_samples` overrides its generated-sample count (recorded in the name)."""
    if isinstance(spec, Protocol):
        proto = spec
    elif spec in PROTOCOLS:
        proto = PROTOCOLS[spec]
    elif spec in METRICS:
        proto = _default_protocol(spec, feature_net_kind == "digits")
    else:
        raise KeyError(f"Unknown metric or protocol {spec!r}. Metrics: {', '.join(METRICS)}; protocols: "
                       f"{', '.join(list_protocols())}.")
    if num_samples is not None and num_samples != proto.num_fake:
        num_real = proto.num_real
        if num_real and num_real == proto.num_fake:
            num_real = num_samples  # equal-size protocols (P/R, D/C, coverage, SWD) stay equal-size
        proto = dataclasses.replace(proto, name=f"{proto.name}@n={num_samples}", num_fake=int(num_samples),
                                    num_real=num_real)
    return proto


# ------------------------------------------------------------------------------------------ feature networks
_NETWORK_CACHE: dict = {}


def resolve_feature_network(spec) -> FeatureNetwork | None:
    """A `FeatureNetwork` from a spec (instances pass through; loaded networks are cached by spec):

    * 'digits': the shipped digits classifier;
    * None or 'inception': the TF Inception graph at `default_inception_path()` (clear error if absent);
    * a path: the TF Inception graph (.pb) or an Inception SavedModel directory;
    * 'keras_inception_v3' (random init), 'keras_inception_v3:PATH' or 'keras_inception_v3:imagenet';
    * 'pixels': no network (returns None).
    """
    if isinstance(spec, FeatureNetwork):
        return spec
    if spec == "pixels":
        return None
    key = spec or "inception"
    if key in _NETWORK_CACHE:
        return _NETWORK_CACHE[key]
    from tfgan_zoo.evaluation import inception

    if key == "digits":
        net = digits_lib.DigitsFeatureNetwork()
    elif key == "inception":
        net = inception.load_inception()
    elif key.startswith("keras_inception_v3"):
        weights = key.split(":", 1)[1] if ":" in key else None
        net = inception.keras_inception_v3(weights=weights)
    elif os.path.exists(os.path.expanduser(key)) or key.endswith(".pb") or os.sep in key:
        net = inception.load_inception(key)
    else:
        raise ValueError(
            f"Unknown feature network {spec!r}: expected 'digits', 'inception', a path to the Inception graph or "
            "SavedModel, 'keras_inception_v3[:weights]', or a FeatureNetwork instance."
        )
    _NETWORK_CACHE[key] = net
    return net


def _net_kind(net) -> str:
    if net is None:
        return "pixels"
    return "digits" if isinstance(net, digits_lib.DigitsFeatureNetwork) else "inception"


# ------------------------------------------------------------------------------------------ generation
def _is_conditional(model) -> bool:
    task = getattr(model, "task", None)
    if task is not None:
        return task.labels
    return "labels" in inspect.signature(model.generate).parameters


def generate_batches(model, num_images: int, batch_size: int = 100, seed: int = 0, labels=None, progress: bool = True):
    """Yields `(images, labels_or_None)` batches from `model.generate`, batch i with seed `seed + i`.

    Conditional models get `labels` (default: classes 0..C−1 cycling, i.e. balanced). A tqdm bar shows progress.
    """
    from tqdm.auto import tqdm

    task = getattr(model, "task", None)
    if task is not None and not task.evaluation_metrics:
        raise ValueError(
            f"evaluate() samples unconditional or conditional generators; {type(model).__name__} is a {task} model. "
            "Compute its outputs yourself and call the metric functions (fid_from_features, psnr, ...)."
        )
    conditional = _is_conditional(model)
    if conditional:
        if labels is None:
            labels = np.arange(num_images) % int(model.num_classes)
        labels = np.asarray(labels).astype(np.int32)
        if len(labels) < num_images:
            raise ValueError(f"Got {len(labels)} labels for {num_images} images.")
    starts = list(range(0, num_images, batch_size))
    bar = tqdm(starts, desc=f"generating {num_images} images", unit="batch", disable=not progress, leave=False)
    for i, start in enumerate(bar):
        count = min(batch_size, num_images - start)
        if conditional:
            lab = labels[start : start + count]
            images = model.generate(count, seed=seed + i, labels=lab)
        else:
            lab = None
            images = model.generate(count, seed=seed + i)
        yield check_images(images, "generated images"), lab


# ------------------------------------------------------------------------------------------ results
class EvaluationResult(dict):
    """`{key: value}` (e.g. `{"digits_fid": 12.3, "digits_pr/precision": 0.8}`) plus `records`, one per protocol,
    holding the full provenance: protocol, sample counts, feature network description, seed, extras."""

    def __init__(self, records):
        super().__init__()
        self.records = records
        for r in records:
            for k, v in r["values"].items():
                self[r["protocol"] if k == "value" else f"{r['protocol']}/{k}"] = v

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.records, default=_json_default, **kwargs)

    def summary(self) -> str:
        lines = []
        for r in self.records:
            vals = ", ".join(f"{k}={_fmt(v)}" for k, v in r["values"].items())
            net = r["feature_net"]["name"] if r["feature_net"] else "pixels"
            lines.append(f"{r['protocol']:<24} {vals}   [{r['num_fake']} fake / {r['num_real']} real, {net}]")
        return "\n".join(lines)


def _fmt(v):
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def _compute(proto: Protocol, fake: dict, real: dict, seed: int) -> tuple[dict, dict]:
    """Runs one protocol's metric on prepared arrays. Returns (values, extras)."""
    o = proto.options
    m = proto.metric
    if m == "fid":
        return {"value": fid_from_features(real["features"], fake["features"], method=o.get("method", "auto"))}, {}
    if m == "kid":
        mean, std = kid_from_features(real["features"], fake["features"], o.get("num_subsets", 100),
                                      o.get("subset_size", 1000), seed)
        return {"value": mean}, {"std": std}
    if m == "is":
        if fake.get("logits") is None:
            raise ValueError("The Inception Score needs a feature network with a classifier head.")
        mean, std = inception_score(fake["logits"], splits=min(o.get("splits", 10), len(fake["logits"])),
                                    from_logits=True)
        return {"value": mean}, {"std": std}
    if m == "pr":
        return precision_recall(real["features"], fake["features"], k=o.get("k", 3)), {}
    if m == "dc":
        return density_coverage(real["features"], fake["features"], k=o.get("k", 5)), {}
    if m == "coverage":
        if real.get("labels") is None:
            raise ValueError("Per-class coverage needs the real images' class labels (real_labels=).")
        per_class = per_class_coverage(real["features"], real["labels"], fake["features"], k=o.get("k", 5))
        histogram = {}
        if fake.get("logits") is not None:
            pred = np.argmax(fake["logits"], axis=1)
            histogram = {int(c): float(np.mean(pred == c)) for c in sorted(per_class)}
        values = {"mean": float(np.mean(list(per_class.values()))), "min": float(min(per_class.values()))}
        return values, {"per_class": per_class, "generated_class_fraction": histogram}
    if m == "class_accuracy":
        if fake.get("logits") is None or fake.get("labels") is None:
            raise ValueError("Class accuracy needs a classifier head and the labels the images were generated for.")
        correct = np.argmax(fake["logits"], axis=1) == fake["labels"]
        per_class = {int(c): float(np.mean(correct[fake["labels"] == c])) for c in np.unique(fake["labels"])}
        return {"value": float(np.mean(correct)), "min": float(min(per_class.values()))}, {"per_class": per_class}
    if m == "swd":
        out = sliced_wasserstein_distance(real["images"], fake["images"], seed=seed, **o)
        return {"value": out["mean"]}, {"levels": out["levels"], "note": "unscaled; PGGAN tables print ×1e3"}
    if m == "parzen":
        flat = lambda x: ((x.reshape(len(x), -1) + 1.0) / 2.0).astype(np.float64)  # noqa: E731
        out = parzen_estimate(flat(fake["images"]), flat(real["validation"]), flat(real["test"]),
                              o.get("sigmas", DEFAULT_SIGMAS))
        return {"value": out["log_likelihood"]}, {"std_error": out["std_error"], "sigma": out["sigma"]}
    raise ValueError(f"Unknown metric {m!r}.")


@dataclasses.dataclass
class Reference:
    """Real-image data an evaluation compares against, reused across calls (e.g. by `EvaluationCallback`).

    Attributes: `images` `[N, H, W, C]` in [-1, 1], optional `labels`, and per-network cached outputs.
    """

    images: np.ndarray
    labels: np.ndarray | None = None
    _outputs: dict = dataclasses.field(default_factory=dict)

    def outputs(self, net: FeatureNetwork, num: int | None, seed: int, batch_size: int) -> dict:
        key = (id(net), num, seed)
        if key not in self._outputs:
            idx = np.arange(len(self.images))
            if num and num < len(idx):
                idx = np.sort(np.random.default_rng(seed).choice(len(idx), num, replace=False))
            out = net(self.images[idx], batch_size=batch_size)
            out["labels"] = None if self.labels is None else np.asarray(self.labels)[idx]
            self._outputs[key] = out
        return self._outputs[key]


def _default_real_images(image_shape) -> tuple[np.ndarray, np.ndarray]:
    """The bundled digits at the generated images' size and channels."""
    size, channels = image_shape[0], image_shape[2]
    if image_shape[0] != image_shape[1] or channels not in (1, 3):
        raise ValueError(f"Cannot match the bundled digits to generated images of shape {image_shape}; pass "
                         "real_images=.")
    images, labels = digits_lib.digits_images(size)
    if channels == 3:
        images = np.repeat(images, 3, axis=-1)
    return images, labels


def evaluate(
    model,
    metrics=("digits_fid",),
    num_samples: int | None = None,
    real_images=None,
    real_labels=None,
    feature_net=None,
    batch_size: int = 100,
    seed: int = 0,
    labels=None,
    progress: bool = True,
    reference: Reference | None = None,
) -> EvaluationResult:
    """Generates from a zoo model and measures it under named protocols.

    Args:
        model: a zoo GAN with `generate(n, seed=...)` (conditional models: `generate(n, seed=..., labels=...)`).
        metrics: protocol names (`fid50k`, `digits_fid`, ...; see `list_protocols()`) or metric names
            (`fid`, `kid`, `is`, `pr`, `dc`, `coverage`, `swd`, `parzen`), which take the feature network's
            default protocol (digits_* with the digits classifier, fid50k/... with Inception).
        num_samples: overrides every protocol's number of generated images (recorded as a deviation).
        real_images: reference images `[N, H, W, C]` in [-1, 1] (or uint8). Default: the bundled digits at the
            generated size, for digits protocols; required for Inception protocols other than IS.
        real_labels: class ids of `real_images` (per-class coverage).
        feature_net: overrides the protocols' network: a `FeatureNetwork`, 'digits', 'inception', a path to the
            Inception graph, or 'keras_inception_v3[:weights]'. Recorded with every result.
        batch_size: generation and feature batch size.
        seed: generation seed (batch i uses seed + i) and the seed of subset sampling.
        labels: labels for a conditional model (default: balanced over classes).
        progress: show a tqdm progress bar while generating.
        reference: a `Reference` whose cached real features are reused (callbacks); overrides `real_images`.

    Returns:
        An `EvaluationResult`: a dict of values with `.records` (provenance) and `.summary()`.

    Example:
        result = evaluate(model, ["digits_fid", "digits_is"])
        print(result.summary())
    """
    if isinstance(metrics, str):
        metrics = [m.strip() for m in metrics.split(",") if m.strip()]
    override = resolve_feature_network(feature_net) if feature_net is not None else None
    plans = []
    for spec in metrics:
        kind = _net_kind(override) if override is not None else None
        if kind is None and isinstance(spec, str) and spec in METRICS and spec not in PIXEL_METRICS:
            kind = "inception"
        proto = resolve_protocol(spec, kind, num_samples)
        if proto.feature_net == "pixels":
            net = None
        else:
            net = override if override is not None else resolve_feature_network(proto.feature_net)
        plans.append((proto, net))

    n_fake = max(p.num_fake for p, _ in plans)
    nets = {id(net): net for _, net in plans if net is not None}
    keep_images = any(net is None for _, net in plans)
    fake_out = {k: {"features": [], "logits": []} for k in nets}
    fake_images, fake_labels, image_shape = [], [], None
    if any(p.metric == "class_accuracy" for p, _ in plans) and not _is_conditional(model):
        raise ValueError(
            f"class_accuracy measures a conditional generator's samples against the classes asked for; "
            f"{type(model).__name__} is unconditional. Use digits_is or digits_coverage for its class balance."
        )
    for images, lab in generate_batches(model, n_fake, batch_size, seed, labels, progress):
        image_shape = images.shape[1:]
        if lab is not None:
            fake_labels.append(lab)
        for k, net in nets.items():
            out = net(images, batch_size=batch_size)
            fake_out[k]["features"].append(out["features"])
            if out["logits"] is not None:
                fake_out[k]["logits"].append(out["logits"])
        if keep_images:
            fake_images.append(images)
    for k in fake_out:
        fake_out[k] = {
            "features": np.concatenate(fake_out[k]["features"]),
            "logits": np.concatenate(fake_out[k]["logits"]) if fake_out[k]["logits"] else None,
        }
    fake_images = np.concatenate(fake_images) if keep_images else None
    fake_labels = np.concatenate(fake_labels) if fake_labels else None

    needs_reference = any(p.metric not in ("is", "parzen", "class_accuracy") for p, _ in plans)
    if reference is None and needs_reference:
        if real_images is None:
            needs_real = [p.name for p, net in plans
                          if p.metric != "is" and _net_kind(net) != "digits" and p.feature_net != "pixels"]
            needs_real += [p.name for p, net in plans if p.feature_net == "pixels" and not p.name.startswith("digits_")]
            if needs_real:
                raise ValueError(
                    f"Protocols {needs_real} compare against real images: pass real_images= (in [-1, 1], e.g. the "
                    "training set) or use the digits protocols, whose reference ships with tfgan_zoo."
                )
            real_images, default_labels = _default_real_images(image_shape)
            real_labels = default_labels if real_labels is None else real_labels
        reference = Reference(check_images(real_images, "real_images"),
                              None if real_labels is None else np.asarray(real_labels))

    records = []
    for proto, net in plans:
        n = proto.num_fake
        if net is None:
            fake = {"images": fake_images[:n]}
            if proto.metric == "parzen":
                if not proto.name.startswith("digits_"):
                    raise ValueError("The Parzen protocol is defined on the digits splits; call parzen_estimate() for "
                                     "others.")
                real = {"validation": _split_like(image_shape, "train"), "test": _split_like(image_shape, "test")}
                num_real = len(real["test"])
            else:
                idx = np.arange(len(reference.images))
                if proto.num_real and proto.num_real < len(idx):
                    idx = np.sort(np.random.default_rng(seed).choice(len(idx), proto.num_real, replace=False))
                real = {"images": reference.images[idx]}
                num_real = len(idx)
        else:
            f = fake_out[id(net)]
            fake = {"features": f["features"][:n], "logits": None if f["logits"] is None else f["logits"][:n],
                    "labels": None if fake_labels is None else fake_labels[:n]}
            if proto.metric in ("is", "class_accuracy"):
                real, num_real = {}, 0
            else:
                real = reference.outputs(net, proto.num_real, seed, batch_size)
                num_real = len(real["features"])
        values, extras = _compute(proto, fake, real, seed)
        records.append(
            {
                "protocol": proto.name,
                "metric": proto.metric,
                "values": values,
                **extras,
                "num_fake": int(n),
                "num_real": int(num_real),
                "feature_net": None if net is None else net.describe(),
                "resizer": proto.resizer if net is None else net.resizer,
                "options": {k: (list(v) if isinstance(v, tuple) else v) for k, v in proto.options.items()},
                "seed": seed,
                "model": getattr(model, "registry_name", type(model).__name__),
                "description": proto.description,
            }
        )
    result = EvaluationResult(records)
    result.reference = reference
    return result


def _split_like(image_shape, split):
    """The training pipeline's own digits split (tfgan_zoo.data: 90% train / 10% test), so the Parzen test
    images are ones a digits-trained model never saw."""
    from tfgan_zoo.data.bundled import load_digits

    images, _ = load_digits(image_size=image_shape[0], channels=image_shape[2], split=split)
    return images
