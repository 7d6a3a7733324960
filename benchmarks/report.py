"""Markdown table of a benchmark run's families/configs rows (the file `train_throughput --json_out` writes).

    python -m benchmarks.train_throughput --sections families --json_out /tmp/rows.json
    python -m benchmarks.report /tmp/rows.json            # one table, a row per config, grouped by family
"""

from __future__ import annotations

import argparse
import json
import os
import sys

COLUMNS = ("family", "config", "kind", "params", "batch", "XLA off img/s", "XLA on img/s", "XLA gain",
           "step s (off)", "setup s (off)")


def format_rate(images_per_s):
    """Images/s with the digits that matter: 1 decimal from 10 up, 2 from 0.1, else 2 significant (0.048)."""
    if images_per_s >= 10:
        return f"{images_per_s:.1f}"
    if images_per_s >= 0.1:
        return f"{images_per_s:.2f}"
    return f"{images_per_s:.2g}"


def _cell(result):
    if result is None:
        return "not timed"
    if "error" in result:
        return result["error"].replace("|", "/")
    return format_rate(result["images_per_s"])


def rows_to_markdown(rows):
    """Markdown lines for `rows` (dicts with name, kind, path and results keyed by XLA setting)."""
    out = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        res = row["results"]
        off, on = res.get("off"), res.get("on")
        head = next((r for r in (off, on) if r and "error" not in r), {})
        gain = "—"
        if off and on and "error" not in off and "error" not in on:
            gain = f"{on['images_per_s'] / off['images_per_s']:.2f}x"
        ok_off = off and "error" not in off
        out.append("| " + " | ".join([
            row["name"], f"`{os.path.splitext(os.path.basename(row['path']))[0]}`", row["kind"],
            f"{head['params']:,}" if head else "—", str(head.get("batch", "—")), _cell(off), _cell(on), gain,
            f"{off['step_ms'] / 1e3:.2f}" if ok_off else "—", f"{off['setup_s']:.0f}" if ok_off else "—",
        ]) + " |")
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("json_file", help="the file written by `python -m benchmarks.train_throughput --json_out`")
    args = p.parse_args(argv)
    try:
        with open(args.json_file) as f:
            rows = json.load(f)["rows"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        p.error(f"{args.json_file} is not a benchmark rows file ({e}); write one with "
                "`python -m benchmarks.train_throughput --json_out FILE`")
    print("\n".join(rows_to_markdown(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
