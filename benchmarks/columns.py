"""Blocks side by side: two blocks of one font set side by side, as name cards or a specimen's two columns, each
with its own size and leading, the right one set lower, so that their lines stand on different baselines. The
transcript is typed block after block (the way the page reads). Detection and labels are scored as in
`benchmarks.own_spacing`, and each page counts the lines glyphseg found that mix glyphs of both blocks.

    python -m benchmarks.columns [--fonts ID,...] [--levels clean,mild] [-o benchmarks/columns.md]

Fonts: the suite's text fonts and the held-out italics (none of them template sources). About 5 minutes.
"""
from __future__ import annotations

import os
import statistics
import zlib
from dataclasses import replace
from typing import Dict, List, Optional, Tuple

import click
import numpy as np

from glyphseg.detect import detect
from glyphseg.label import label
from glyphseg.score import match_boxes
from glyphseg.specimen import Specimen, degrade, render_specimen
from glyphseg.types import Page

from . import fonts as fonts_mod
from .heldout import ITALIC
from .own_spacing import WORDS

LEFT = (14, 1.5, WORDS[:3])  # size (pt), leading (em), lines
RIGHT = (10, 1.25, ["The quick brown fox", "jumps over the lazy", "dog. Pack my box with", "five dozen liquor jugs."])
GUTTER_IN = 0.25  # paper between the blocks' margins: with render_specimen's 0.4 in margins, 1.05 in of paper
DPI = 400
LEVELS = ("clean", "mild")
KINDS = ("flat", "none")


def side_by_side(left: Specimen, right: Specimen, gutter_px: int, drop_px: int) -> Specimen:
    """One page of `right` set beside `left`, `gutter_px` to its right and `drop_px` lower; the right block's
    lines follow the left block's in the glyphs' `line` numbers (the page's reading order)."""
    h = max(left.image.shape[0], right.image.shape[0] + drop_px)
    x0 = left.image.shape[1] + gutter_px
    coverage = np.zeros((h, x0 + right.image.shape[1]), np.float32)
    coverage[:left.image.shape[0], :left.image.shape[1]] = left.coverage
    coverage[drop_px:drop_px + right.image.shape[0], x0:] = right.coverage
    shift = np.array([[0.0, 0.0, x0], [0.0, 0.0, drop_px]])
    lines = 1 + max(g.line for g in left.glyphs)
    moved = [replace(g, line=g.line + lines, matrix=g.matrix + shift,
                     bbox=(g.bbox[0] + x0, g.bbox[1] + drop_px, g.bbox[2] + x0, g.bbox[3] + drop_px))
             for g in right.glyphs]
    image = np.round(255.0 * (1.0 - np.clip(coverage, 0.0, 1.0))).astype(np.uint8)
    return Specimen(image=image, dpi=left.dpi, font_path=left.font_path, size_pt=left.size_pt,
                    glyphs=list(left.glyphs) + moved, coverage=coverage)


def make_page(font, level: str) -> Tuple[Specimen, int]:
    """The page, and the first column of the right block's margin."""
    seed = zlib.crc32(f"{font.id}/columns/{level}".encode()) % 2 ** 31
    rng = np.random.default_rng(seed)
    (ls, ll, lt), (rs, rl, rt) = LEFT, RIGHT
    left = render_specimen(font.path, lines=lt, dpi=DPI, size_pt=ls, tracking_em=0.0, leading=ll)
    right = render_specimen(font.path, lines=rt, dpi=DPI, size_pt=rs, tracking_em=0.0, leading=rl)
    drop = int(rng.uniform(0.2, 0.45) * ls / 72 * DPI)  # a third of the left block's em, more or less
    gutter = int(GUTTER_IN * DPI)
    return degrade(side_by_side(left, right, gutter, drop), level, seed=seed), left.image.shape[1] + gutter


def page_scores(font, level: str, kind: str) -> Dict[str, object]:
    spec, split_x = make_page(font, level)
    page = Page(index=0, source=f"{font.id}-columns-{level}", dpi=DPI, image=spec.image)
    layout = detect(page)
    by_id = {g.id: g for g in layout.glyphs}
    mixed = sum(len({by_id[i].bbox[0] >= split_x for i in line.glyph_ids if i in by_id}) > 1
                for line in layout.lines)
    lab = label([layout], [page], spec.text if kind == "flat" else None)
    m = match_boxes([g.bbox for g in lab.glyphs], [g.bbox for g in spec.glyphs])
    right = sum(lab.glyphs[i].char == spec.glyphs[j].char for i, j in m.pairs)
    return {"f1": m.prf()[2], "labels": right / len(spec.glyphs), "mixed": mixed, "lines": len(layout.lines)}


def table(rows: List[dict]) -> List[str]:
    out = ["| fonts | level | transcript | pages | F1 (mean) | F1 (min) | labels (mean) | pages with lines mixing "
           "the blocks | pages that failed (scored 0) |", "|---|---|---|---|---|---|---|---|---|"]
    groups: Dict[tuple, List[dict]] = {}
    for r in rows:
        groups.setdefault((r["group"], r["level"], r["kind"]), []).append(r)
    for (group, level, kind), rs in sorted(groups.items()):
        f1 = [r["f1"] for r in rs]
        out.append(f"| {group} | {level} | {kind} | {len(rs)} | {statistics.mean(f1):.3f} | {min(f1):.3f} | "
                   f"{statistics.mean(r['labels'] for r in rs):.3f} | {sum(r['mixed'] > 0 for r in rs)} | "
                   f"{sum('error' in r for r in rs)} |")
    return out


@click.command()
@click.option("--fonts", default=None, help="Comma-separated font ids (default: the text fonts and held-out italics).")
@click.option("--levels", default=",".join(LEVELS), show_default=True)
@click.option("-o", "--out", default=None, help="Markdown table (default: print only).")
def main(fonts: Optional[str], levels: str, out: Optional[str]):
    chosen = [f for f in fonts_mod.text_fonts() + list(ITALIC) if os.path.exists(f.path)
              and (not fonts or f.id in fonts.split(","))]
    rows = []
    for font in chosen:
        for level in levels.split(","):
            for kind in KINDS:
                try:
                    s = page_scores(font, level, kind)
                except Exception as e:  # noqa: BLE001 - a failing page is a result (scored 0), not the end of the run
                    s = {"f1": 0.0, "labels": 0.0, "mixed": 0, "lines": 0, "error": f"{type(e).__name__}: {e}"}
                rows.append({"font": font.id, "group": "italic" if font in ITALIC else "text", "level": level,
                             "kind": kind, **s})
                click.echo(f"{font.id} {level} {kind}: F1 {s['f1']:.3f} labels {s['labels']:.3f} "
                           f"mixed lines {s['mixed']} of {s['lines']} {s.get('error', '')}", err=True)
    text = "\n".join(table(rows))
    click.echo(text)
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write("# Blocks side by side\n\nMade by `python -m benchmarks.columns` (see its docstring).\n\n"
                     + text + "\n")


if __name__ == "__main__":
    main()
