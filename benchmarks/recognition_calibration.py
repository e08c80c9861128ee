"""Calibrate recognition (no transcript) on fonts and scripts outside the template sources.

For every glyph that detection finds, recognition gives a character, its score (the softmax probability
against the other characters) and its fit (the correlation with the character's best template). This
tool measures, per group of pages, how often the label is right at each score and fit, so the
thresholds in glyphseg.label (MIN_SCORE, MIN_FIT, the page warning) are set on designs the templates
never saw:
- `text`: the benchmark's text fonts (none of them a template source), clean / mild / harsh;
- `hard`: its script and blackletter fonts;
- `kant`: the Kant 1784 title page (blackletter, PAGE-XML truth);
- `krause`: the four Krause Fraktur sheets (no truth: only how many glyphs stay labelled).

    python -m benchmarks.recognition_calibration [--real-dir DIR] [-o benchmarks/recognition_calibration.md]
"""
from __future__ import annotations

import glob
import os
import unicodedata
import zlib
from typing import Dict, List

import click
import numpy as np

from glyphseg.detect import detect
from glyphseg.label import MIN_FIT, MIN_SCORE, label, recognition_unreliable
from glyphseg.score import match_boxes
from glyphseg.templates import glyph_rasters, library

from . import fonts as fonts_mod
from .real import default_real_dir, kant_paths, read_page_glyphs

LEVELS = ("clean", "mild", "harsh")


def glyph_records(pages, truth_boxes=None, truth_chars=None) -> List[dict]:
    """Per detected glyph: recognised char, score, fit, and whether it is right (None: no truth)."""
    layouts = [detect(p) for p in pages]
    # every glyph keeps its label: all of them are measured
    lab = label(layouts, pages, None, recognise=True, min_score=0.0, min_fit=-1.0)
    glyphs = lab.glyphs
    if not glyphs:
        return []
    fit = 1.0 - library().own_shape_costs(glyph_rasters(glyphs, lab.layouts), [g.char for g in glyphs])
    right = [None] * len(glyphs)
    if truth_boxes is not None:
        m = match_boxes([g.bbox for g in glyphs], truth_boxes)
        for i, j in m.pairs:
            right[i] = unicodedata.normalize("NFC", glyphs[i].char) == unicodedata.normalize("NFC", truth_chars[j])
    return [{"char": g.char, "score": g.score, "fit": float(f), "right": r, "page": g.page}
            for g, f, r in zip(glyphs, fit, right)]


def suite_records(group: str) -> Dict[str, List[dict]]:
    from glyphseg.specimen import degrade, render_specimen
    from glyphseg.types import Page

    out = {}
    for font in fonts_mod.SUITE:
        if font.group != group or not os.path.exists(font.path):
            continue
        for level in LEVELS:
            seed = zlib.crc32(f"{font.id}/{level}/calibration".encode()) % 2 ** 31
            spec = degrade(render_specimen(font.path, dpi=600, size_pt=14), level, seed=seed)
            page = Page(index=0, source=f"{font.id}-{level}", dpi=600, image=spec.image)
            out[f"{font.id}/{level}"] = glyph_records([page], [g.bbox for g in spec.glyphs],
                                                      [g.char for g in spec.glyphs])
    return out


def real_records(real_dir: str) -> Dict[str, List[dict]]:
    from glyphseg.ingest import load_pages

    out = {}
    kant = kant_paths(real_dir)
    if kant:
        truth = read_page_glyphs(kant[1])
        out["kant"] = glyph_records(load_pages([kant[0]], dpi=300), [g.bbox for g in truth], [g.text for g in truth])
    for path in sorted(glob.glob(os.path.join(real_dir, "krause1922", "sheet-*.png"))):
        out[f"krause/{os.path.basename(path)}"] = glyph_records(load_pages([path], dpi=300))
    return out


def summary_rows(name: str, pages: Dict[str, List[dict]]) -> List[str]:
    recs = [r for rs in pages.values() for r in rs]
    if not recs:
        return []
    judged = [r for r in recs if r["right"] is not None]
    kept = [r for r in recs if r["score"] >= MIN_SCORE and r["fit"] >= MIN_FIT]
    kept_judged = [r for r in kept if r["right"] is not None]
    right_all = sum(r["right"] for r in judged)
    right_kept = sum(r["right"] for r in kept_judged)
    warned = sum(recognition_unreliable([r["score"] for r in rs], [r["fit"] for r in rs]) is not None
                 for rs in pages.values() if rs)
    fmt = lambda v: f"{v:.3f}" if v == v else "–"  # noqa: E731
    return [f"| {name} | {len(pages)} | {len(recs)} | {fmt(right_all / len(judged) if judged else float('nan'))} | "
            f"{len(kept) / len(recs):.3f} | {fmt(right_kept / len(kept_judged) if kept_judged else float('nan'))} | "
            f"{fmt(right_kept / right_all if right_all else float('nan'))} | "
            f"{float(np.median([r['fit'] for r in recs])):.3f} | {warned} / {len(pages)} |"]


def threshold_table(groups: Dict[str, Dict[str, List[dict]]]) -> List[str]:
    """Share of labels right among glyphs kept, and share kept, for a grid of thresholds."""
    lines = ["| min score | min fit | " + " | ".join(f"{g}: kept / right" for g in groups) + " |",
             "|---|---|" + "---|" * len(groups)]
    for s in (0.0, 0.5, 0.6, 0.7, 0.8):
        for f in (0.0, 0.5, 0.6, 0.7, 0.75, 0.8):
            cells = []
            for pages in groups.values():
                recs = [r for rs in pages.values() for r in rs]
                kept = [r for r in recs if r["score"] >= s and r["fit"] >= f]
                judged = [r for r in kept if r["right"] is not None]
                right = sum(r["right"] for r in judged) / len(judged) if judged else float("nan")
                cells.append(f"{len(kept) / max(len(recs), 1):.2f} / " + (f"{right:.3f}" if judged else "–"))
            lines.append(f"| {s:g} | {f:g} | " + " | ".join(cells) + " |")
    return lines


@click.command()
@click.option("--real-dir", default=default_real_dir, show_default="the project's shared data folder",
              help="A folder of real scans with a MANIFEST (Kant 1784, Krause 1922).")
@click.option("-o", "--out", default=os.path.join(os.path.dirname(__file__), "recognition_calibration.md"),
              show_default=True)
def main(real_dir, out):
    groups = {"text fonts": suite_records("text"), "hard fonts": suite_records("hard")}
    real = real_records(real_dir) if os.path.isdir(real_dir) else {}
    groups["Kant 1784"] = {k: v for k, v in real.items() if k == "kant"}
    groups["Krause 1922"] = {k: v for k, v in real.items() if k.startswith("krause")}
    lines = ["# Recognition without a transcript: calibration", "",
             f"Thresholds in glyphseg.label: a glyph keeps its label when score ≥ {MIN_SCORE:g} and "
             f"fit ≥ {MIN_FIT:g}; "
             "the page warning is `recognition_unreliable`. Made by `python -m benchmarks.recognition_calibration`.",
             "", "| group | pages | glyphs | right (all labelled) | kept | right (kept) | right kept / right all | "
             "median fit | pages warned |", "|---|---|---|---|---|---|---|---|---|"]
    for name, pages in groups.items():
        lines += summary_rows(name, pages)
    lines += ["", "## Thresholds tried (share of glyphs kept / share of kept labels right)", ""]
    lines += threshold_table(groups)
    with open(out, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    click.echo("\n".join(lines))


if __name__ == "__main__":
    main()
