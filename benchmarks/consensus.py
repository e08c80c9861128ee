"""Consensus outlines against single prints, on pages that repeat letters.

The own_spacing benchmark's sample words (tracking 0) in the suite's text fonts, clean / mild / harsh, each
page extracted once with `--text` and `--no-consensus`; `glyphseg.consensus.consensus` then fuses the same
masks. Scored on the prints that were fused: mean boundary distance to the true outline (em/1000 of the true
em, both directions pooled) and IoU, single print against consensus.

How much of a print's error no fusing of prints can remove: a harsh page's ink spread or thinning moves every
print's edge the same way. `page offset` is that shared part, the mean over the page's prints of (area −
true area) ÷ true perimeter (em/1000, outward positive); `floor` is the single prints' distance once each is
offset back by it (shapely's buffer): what is left for a consensus to average away is single − floor.

    python -m benchmarks.consensus [--fonts a,b] [--levels clean,mild,harsh] [-o benchmarks/consensus.md]
"""
from __future__ import annotations

import sys
import zlib

import click
import numpy as np
from fontTools.ttLib import TTFont

from glyphseg.consensus import consensus
from glyphseg.detect import detect
from glyphseg.geometry import boundary_distances, drawing_to_shape, iou
from glyphseg.pipeline import ExtractOptions, extract
from glyphseg.score import match_boxes
from glyphseg.specimen import degrade, render_specimen
from glyphseg.types import Page

from . import fonts as fonts_mod
from .own_spacing import WORDS


def page_scores(font, level: str) -> dict:
    seed = zlib.crc32(f"{font.id}/consensus/{level}".encode()) % 2 ** 31
    spec = degrade(render_specimen(font.path, lines=WORDS, dpi=600, size_pt=14, tracking_em=0.0), level, seed)
    page = Page(0, font.id, 600, spec.image)
    ex = extract([], ExtractOptions(text=spec.text, segmenter="threshold", consensus=False, spacing=False),
                 pages=[page])
    agreed = consensus(ex.glyphs, ex.masks, ex.outlines, [detect(page)])
    tt = TTFont(font.path)
    gs, upem = tt.getGlyphSet(), tt["head"].unitsPerEm
    found = [g for g in ex.glyphs if g.char and g.id in ex.outlines]
    match = match_boxes([g.bbox for g in found], [t.bbox for t in spec.glyphs])
    out = {"single_dist": [], "cons_dist": [], "single_iou": [], "cons_iou": [], "prints": 0, "offset": [],
           "floor_dist": []}
    singles = []  # (true shape, single print's shape, px per em/1000)
    for i, j in match.pairs:
        g, t = found[i], spec.glyphs[j]
        if g.char != t.char or g.id not in agreed.fused:
            continue
        true = drawing_to_shape(gs[t.glyph_name], point_map=t.font_to_page, glyph_set=gs)
        px_per_em1000 = t.matrix[0, 0] * upem / 1000
        for tag, outline in (("single", ex.outlines[g.id]), ("cons", agreed.outlines[g.id])):
            shape = drawing_to_shape(outline, point_map=g.units_to_page)
            out[f"{tag}_dist"].append(float(np.mean(boundary_distances(true, shape))) / px_per_em1000)
            out[f"{tag}_iou"].append(iou(true, shape))
            if tag == "single":
                singles.append((true, shape, px_per_em1000))
        out["prints"] += 1
    if singles:  # the page's shared edge offset, px
        offset = float(np.mean([(shape.area - true.area) / true.length for true, shape, _ in singles]))
        out["offset"].append(abs(offset) / singles[0][2])
        for true, shape, px in singles:
            out["floor_dist"].append(float(np.mean(boundary_distances(true, shape.buffer(-offset)))) / px)
    return out


@click.command()
@click.option("--fonts", default=None, help="Suite font ids (default: every text font installed).")
@click.option("--levels", default="clean,mild,harsh", show_default=True)
@click.option("-o", "--out", default=None)
def main(fonts, levels, out):
    chosen = fonts_mod.text_fonts(fonts)
    rows = []
    for level in levels.split(","):
        pooled = fonts_mod.pooled((page_scores(font, level) for font in chosen),
                                  {"single_dist": [], "cons_dist": [], "single_iou": [], "cons_iou": [], "prints": 0,
                                   "offset": [], "floor_dist": []})
        sd, cd = np.mean(pooled["single_dist"]), np.mean(pooled["cons_dist"])
        rows.append(f"| {level} | {pooled['prints']} | {sd:.2f} | {cd:.2f} | {cd / sd:.2f} | "
                    f"{np.mean(pooled['single_iou']):.4f} | {np.mean(pooled['cons_iou']):.4f} | "
                    f"{np.mean(pooled['offset']):.2f} | {np.mean(pooled['floor_dist']):.2f} |")
        print(rows[-1], file=sys.stderr, flush=True)
    text = "\n".join([f"# Consensus outlines ({len(chosen)} suite text fonts, sample words at tracking 0)", "",
                      "| level | fused prints | boundary distance, single | consensus | ratio | IoU, single | "
                      "IoU, consensus | page offset | floor |", "|---|---|---|---|---|---|---|---|---|", *rows, "",
                      "Boundary distance: mean, em/1000 of the true em. "
                      f"Command: `python -m benchmarks.consensus{' -o ' + out if out else ''}`."]) + "\n"
    print(text)
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
