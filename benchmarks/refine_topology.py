"""Template refinement: topology errors with and without it, on the suite's text fonts.

A glyph has a topology error when its mask's parts or counters (8-connected ink, 4-connected holes) differ
from the true glyph's, rendered from the font at the specimen's scale (specks and pinholes under 6 px, which
neither print nor the tracer keeps, left out). Each page is extracted twice with
`--text`, with refinement and without (`ExtractOptions(refine=False)`); IoU of the outlines is reported
beside, so a fix that costs accuracy shows.

    python -m benchmarks.refine_topology [--levels mild,harsh] [--out benchmarks/refine_topology.md]
"""
import argparse
import os
import time

import numpy as np
from fontTools.ttLib import TTFont

from glyphseg.geometry import drawing_to_shape, ink_bounds, iou
from glyphseg.pipeline import ExtractOptions, extract
from glyphseg.raster import glyph_coverage, upright_frame
from glyphseg.score import match_boxes
from glyphseg.specimen import degrade, render_specimen
from glyphseg.templates import topology
from glyphseg.types import Page

from .fonts import select

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIN_AREA_PX = 6


def true_topology(glyph_set, tg):
    """Parts and counters of the font's glyph at the page's scale."""
    bounds = ink_bounds(glyph_set[tg.glyph_name], glyph_set)
    s = tg.matrix[0, 0]
    # size=int (not ceil): the box may lose up to a pixel of its top and right margin, never ink
    arr = glyph_coverage(glyph_set[tg.glyph_name], *upright_frame(bounds, s, pad=3, size=int), glyph_set)
    return topology(drop_crumbs(arr >= 0.5))


def drop_crumbs(binary: np.ndarray, min_px: int = MIN_AREA_PX) -> np.ndarray:
    """Fill holes and drop parts smaller than `min_px` pixels: below what survives print and scan, and below
    what the tracer keeps (vectorize.TraceOptions.min_area_px) — e.g. the pinhole where two contours of a
    Vollkorn p meet. Such specks are the font's construction, not its topology."""
    import cv2

    b = binary.astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(b, connectivity=8)
    for k in range(1, n):
        if stats[k, cv2.CC_STAT_AREA] < min_px:
            b[lab == k] = 0
    bg = np.pad(1 - b, 1, constant_values=1)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(bg, connectivity=4)
    outer = lab[0, 0]
    for k in range(1, n):
        if k != outer and stats[k, cv2.CC_STAT_AREA] < min_px:
            bg[lab == k] = 0
    return (1 - bg[1:-1, 1:-1]).astype(bool)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", default="mild,harsh")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "refine_topology.md"))
    args = ap.parse_args(argv)
    fonts = [f for f in select() if f.group == "text"]
    levels = args.levels.split(",")
    totals = {}
    t0 = time.perf_counter()
    for k, font in enumerate(fonts):
        glyph_set = TTFont(font.path).getGlyphSet()
        base = render_specimen(font.path)
        for level in levels:
            spec = degrade(base, level, seed=args.seed + k)
            truth = {j: true_topology(glyph_set, tg) for j, tg in enumerate(spec.glyphs)}
            for refine in (False, True):
                ex = extract([], ExtractOptions(text=spec.text, refine=refine), pages=[Page(0, font.id, 600, spec.image)])
                m = match_boxes([g.bbox for g in ex.glyphs], [t.bbox for t in spec.glyphs])
                errors, ious = 0, []
                for i, j in m.pairs:
                    g, tg = ex.glyphs[i], spec.glyphs[j]
                    errors += topology(ex.masks[g.id].soft >= 0.5) != truth[j]
                    ious.append(iou(drawing_to_shape(ex.outlines[g.id], g.units_to_page),
                                    drawing_to_shape(glyph_set[tg.glyph_name], tg.font_to_page, glyph_set=glyph_set)))
                t = totals.setdefault((level, refine), [0, 0, []])
                t[0] += errors
                t[1] += len(m.pairs)
                t[2].extend(ious)
            print(f"{font.family:24s} {level:5s} errors without/with refinement: "
                  f"{totals[level, False][0]}/{totals[level, True][0]} (running totals)", flush=True)
    lines = ["# Template refinement: topology errors\n",
             f"Command: `python -m benchmarks.refine_topology --levels {args.levels} --seed {args.seed}` — "
             f"{len(fonts)} text fonts of the benchmark suite (none is a template source), 600 dpi, 14 pt, "
             f"with `--text`; {time.perf_counter() - t0:.0f} s.\n",
             "| level | glyphs | topology errors without refinement | with | change | IoU without | IoU with |",
             "|---|---|---|---|---|---|---|"]
    for level in levels:
        a, b = totals[level, False], totals[level, True]
        change = f"{(b[0] - a[0]) / a[0] * 100:+.0f} %" if a[0] else "—"
        lines.append(f"| {level} | {a[1]} | {a[0]} | {b[0]} | {change} | {np.mean(a[2]):.4f} | {np.mean(b[2]):.4f} |")
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
