"""Compare two benchmark runs (results.json), every figure that is not a timing, page by page and glyph by
glyph: the check that a change which should not change results did not.

    python -m benchmarks.compare_results OLD.json NEW.json
    git show REV:benchmarks/results.json > /tmp/old.json && python -m benchmarks.compare_results /tmp/old.json \
        benchmarks/results.json
"""
from __future__ import annotations

import json
import math
from typing import Any, List, Tuple

import click

# timings and run metadata: they differ between any two runs
SKIP = {"created", "machine", "command", "config", "timings", "wall_s", "page_s", "seconds", "total_s", "cpu_s"}


def differences(old: Any, new: Any, path: str = "") -> List[Tuple[str, Any, Any]]:
    """(path, old, new) for every value that differs, timings left out (keys in SKIP or ending in _s, and the
    speed summaries)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k in sorted(set(old) | set(new)):
            if k in SKIP or k.endswith("_s") or k.endswith("_s_per_page") or k == "speed":
                continue
            if k not in old or k not in new:
                out.append((f"{path}/{k}", old.get(k, "<absent>"), new.get(k, "<absent>")))
            else:
                out += differences(old[k], new[k], f"{path}/{k}")
        return out
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [(path, f"{len(old)} items", f"{len(new)} items")]
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in differences(a, b, f"{path}[{i}]")]
    if isinstance(old, float) and isinstance(new, float) and math.isnan(old) and math.isnan(new):
        return []
    return [] if old == new else [(path, old, new)]


def page_name(results: dict, path: str) -> str:
    """'font level' for a /pages[i]/… path."""
    if path.startswith("/pages["):
        i = int(path[len("/pages["):path.index("]")])
        page = results["pages"][i]
        return f"{page['font']} {page['level']}"
    return "summary"


@click.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=False))
@click.argument("new", type=click.Path(exists=True, dir_okay=False))
def main(old, new):
    with open(old, encoding="utf-8") as fh:
        a = json.load(fh)
    with open(new, encoding="utf-8") as fh:
        b = json.load(fh)
    diffs = differences(a, b)
    click.echo(f"{len(diffs)} figure(s) differ (timings left out)")
    for path, x, y in diffs:
        click.echo(f"| {page_name(b, path)} | `{path}` | {x} | {y} |")


if __name__ == "__main__":
    main()
