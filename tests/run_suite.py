"""The test command: the whole suite (tests/ and the docstring examples of tfgan_zoo/), `pytest -n 2` in shards.

    python tests/run_suite.py              # what CI runs (.ci/run)
    python tests/run_suite.py -m "not slow"
    TFGAN_ZOO_TEST_SHARDS=1 python tests/run_suite.py   # one `pytest -n 2` over everything

Why shards: TensorFlow keeps memory of every model a process has traced and trained for good. Measured here: building
and fitting a tiny model in a loop grows the process by ~9 MB per model even after `del`, `gc.collect()`,
`keras.backend.clear_session()` and `malloc_trim`, and a contract test costs ~35 MB. Over ~1,250 tests one pair of
xdist workers outgrows a 24 GiB machine (a CI run timed out, then lost a worker, near the end). The runner collects
the test ids once, cuts them into consecutive shards (a file's tests stay together, so module fixtures are set up once
per shard) and runs each shard with fresh workers. Every shard runs even when an earlier one fails; the exit status is
the first non-zero one.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SHARDS = 6
#: What a test leaves in its worker, MB, by test-id prefix (first match wins; see `weight`). Measured on this machine
#: with tiny models (dcgan, sngan, cyclegan, biggan; RSS growth per model): a 2-step `fit` ~150 MB with Grappler and
#: ~260 MB without (the contract tier turns it off), the same under XLA ~480 MB; a 2-replica test builds two models.
#: A run where the contract's mirrored, mixed-precision and XLA tests shared one shard grew its two workers to 24 GB.
MEMORY_MB = [
    ("tests/contract/test_model_contract.py::test_xla_fit", 500),
    ("tests/contract/test_model_contract.py::test_mirrored_", 600),
    ("tests/contract/test_model_contract.py::test_mixed_float16", 300),
    ("tests/contract/test_model_contract.py::test_seeded_fit", 300),
    ("tests/contract/", 40),
    ("tests/models/", 25),  # family tests train and export tiny models: a shard of 697 mostly these and export
    ("tests/export/", 25),  # tests grew its workers to 17 GB at 15 MB each
]
OTHER_MB = 15
#: the estimated memory one shard may leave in its two workers together (CI: 24 GiB; estimates run ~1.4x high)
SHARD_BUDGET_MB = 10000


def collect(args: list[str]) -> list[str]:
    """The test ids `pytest args` would run, in pytest's order."""
    args = [a for a in args if not a.startswith(("-q", "-v", "--quiet", "--verbose"))]  # keep one id per line
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", *args], cwd=REPO,
                          capture_output=True, text=True)
    ids = [line for line in done.stdout.splitlines() if "::" in line and not line.startswith(" ")]
    if done.returncode != 0 or not ids:
        sys.stdout.write(done.stdout[-20000:])
        sys.stderr.write(done.stderr[-20000:])
        raise SystemExit(done.returncode or 5)
    return ids


def weight(test_id: str) -> int:
    """The memory (MB, estimated) a test leaves in its worker: a contract test builds, trains, distributes and
    exports a model, and its XLA and 2-replica checks most of all (`MEMORY_MB`)."""
    return next((mb for prefix, mb in MEMORY_MB if test_id.startswith(prefix)), OTHER_MB)


def shard_count(ids: list[str]) -> int:
    """Enough shards that none is estimated to leave more than `SHARD_BUDGET_MB` in its workers, and at least
    `DEFAULT_SHARDS`."""
    return max(DEFAULT_SHARDS, math.ceil(sum(map(weight, ids)) / SHARD_BUDGET_MB))


def shards(ids: list[str], n: int) -> list[list[str]]:
    """`n` consecutive slices of `ids` of about equal total `weight`; a file is not split unless it alone is heavier
    than a shard (the contract tier is)."""
    n = max(1, min(n, len(ids)))
    target = sum(map(weight, ids)) / n
    out, current, load = [], [], 0
    for test_id in ids:
        same_file = current and current[-1].split("::")[0] == test_id.split("::")[0]
        if current and len(out) < n - 1 and (load >= target and not same_file or load >= 1.25 * target):
            out.append(current)
            current, load = [], 0
        current.append(test_id)
        load += weight(test_id)
    out.append(current)
    return out


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # paths (and test ids) choose what is collected; options go to every shard as well
    options = [a for a in args if a.startswith("-") or not os.path.exists(os.path.join(REPO, a.split("::")[0]))]
    t0 = time.time()
    ids = collect(args)
    n = int(os.environ.get("TFGAN_ZOO_TEST_SHARDS") or shard_count(ids))
    parts = shards(ids, n)
    codes = []
    for i, part in enumerate(parts, 1):
        print(f"\n===== shard {i}/{len(parts)}: {len(part)} tests, {part[0]} ... {part[-1]}", flush=True)
        codes.append(subprocess.run([sys.executable, "-m", "pytest", "-n", "2", *options, *part], cwd=REPO).returncode)
    minutes = (time.time() - t0) / 60
    print(f"\n===== {sum(map(len, parts))} tests in {len(parts)} shards, {minutes:.1f} min; exit codes {codes}")
    return next((c for c in codes if c != 0), 0)


if __name__ == "__main__":
    raise SystemExit(main())
