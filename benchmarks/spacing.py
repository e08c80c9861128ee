"""Spacing accuracy: advance widths and left side bearings of extracted glyphs against the fonts' own.

Specimens of the suite's text fonts (none a template source) set the way specimens are set, each page
extracted once with `--text` (threshold segmenter) and spaced two ways from the same outlines: half of each
gap (`--no-spacing`, the old estimate) and the joint solve over all gaps (`glyphseg.spacing.space`):
- `alphabet`: the suite's alphabet lines at the font's own spacing (tracking 0);
- `words`: the own_spacing benchmark's sample words at tracking 0 (letters repeated beside different
  neighbours);
- `alphabet+0.10`: the alphabet letterspaced by 0.10 em (the spacing stage estimates the tracking from the
  letters' counters and removes it when it is clear: see spacing.py);
- `words-0.05`: the sample words set tight, −0.05 em.
The line re-set figure sets each line again with the extracted font (and the tracking the spacing stage
removed) and compares pen positions with the page. `tracking` is |tracking removed − tracking printed|.
Errors are in em/1000 of the true em (the extracted units are mapped to page pixels, then to the font's
units, so the body-size estimate does not enter): medians and 95th percentiles over labelled glyphs matched
to the truth (box IoU ≥ 0.5, same character).

    python -m benchmarks.spacing [--fonts a,b] [--levels clean,mild] [-o benchmarks/spacing.md]
"""
from __future__ import annotations

import sys
import zlib
from typing import Dict, List

import click
import numpy as np
from fontTools.ttLib import TTFont

from glyphseg.geometry import ink_bounds
from glyphseg.pipeline import ExtractOptions, extract
from glyphseg.score import match_boxes
from glyphseg.spacing import ink_extent, space
from glyphseg.specimen import DEFAULT_LINES, degrade, render_specimen
from glyphseg.types import Page

from . import fonts as fonts_mod
from .own_spacing import WORDS

LAYOUTS = {"alphabet": (DEFAULT_LINES, 0.0), "words": (WORDS, 0.0), "alphabet+0.10": (DEFAULT_LINES, 0.10),
           "words-0.05": (WORDS, -0.05)}


def page_errors(font, layout: str, level: str) -> Dict[str, List[float]]:
    lines, tracking = LAYOUTS[layout]
    seed = zlib.crc32(f"{font.id}/{layout}/{level}".encode()) % 2 ** 31
    spec = degrade(render_specimen(font.path, lines=lines, dpi=600, size_pt=14, tracking_em=tracking), level, seed)
    ex = extract([], ExtractOptions(text=spec.text, segmenter="threshold", spacing=False, consensus=False, jobs=1),
                 pages=[Page(0, font.id, 600, spec.image)])
    spaced = space(ex.glyphs, ex.outlines, ex.masks)
    tt = TTFont(font.path)
    upem, gs = tt["head"].unitsPerEm, tt.getGlyphSet()
    truth = {}
    for j, t in enumerate(spec.glyphs):
        xmin = ink_bounds(gs[t.glyph_name], gs)[0]
        truth[j] = (gs[t.glyph_name].width * 1000 / upem, xmin * 1000 / upem, t.matrix[0, 0] * upem / 1000)
    found = [g for g in ex.glyphs if g.char and g.id in ex.outlines]
    match = match_boxes([g.bbox for g in found], [t.bbox for t in spec.glyphs])
    out = {k: [] for k in ("adv_split", "adv_gaps", "lsb_split", "lsb_gaps", "reset_split", "reset_gaps", "tracking")}
    by_id = {g.id: g for g in spaced.glyphs}
    matched = {}  # truth index → extracted glyph (right character)
    for i, j in match.pairs:
        g = found[i]
        if g.char != spec.glyphs[j].char:
            continue
        matched[j] = g
        true_adv, true_lsb, px_per_em1000 = truth[j]
        for tag, glyph, outline in (("split", g, ex.outlines[g.id]), ("gaps", by_id[g.id], spaced.outlines[g.id])):
            to_true = 1.0 / glyph.units_per_px / px_per_em1000  # extracted units → px → true em/1000
            extent = ink_extent(outline)
            out[f"adv_{tag}"].append(abs(glyph.advance * to_true - true_adv))
            out[f"lsb_{tag}"].append(abs(extent[0] * to_true - true_lsb))
    for tag, space_units in (("split", 250), ("gaps", spaced.space_width)):
        out[f"reset_{tag}"] += line_reset_errors(spec, truth, matched, by_id if tag == "gaps" else None, space_units,
                                                 spaced.kerning if tag == "gaps" else {}, 1000 * tracking,
                                                 1000 * spaced.tracking if tag == "gaps" else 0.0)
    if matched:  # the tracking removed, in the true em: extracted units → px → em/1000 (every glyph shares them)
        j, g = next(iter(matched.items()))
        out["tracking"].append(abs(1000 * spaced.tracking / g.units_per_px / truth[j][2] - 1000 * tracking))
    return out


def line_reset_errors(spec, truth, matched, respaced, space_units, kerning, tracking: float = 0.0,
                      set_tracking: float = 0.0) -> List[float]:
    """The line re-set figure: each specimen line set again with the extracted advances (and the extracted
    space at word breaks, kerning where found), from the first glyph's true pen position; |set − printed| pen
    position of every further glyph, em/1000 of the true em. A run of glyphs is re-anchored after one that
    was not found. `set_tracking` (extracted units) is added after every glyph, as the extracted font would be
    set to match the page."""
    errors = []
    by_line: Dict[int, List[int]] = {}
    for j, t in enumerate(spec.glyphs):
        by_line.setdefault(t.line, []).append(j)
    for js in by_line.values():
        x = None
        for k, j in enumerate(js):
            t = spec.glyphs[j]
            px_per_em1000 = truth[j][2]
            pen = t.matrix[0, 2] / px_per_em1000  # the printed pen position, em/1000
            g = matched.get(j)
            if g is None:
                x = None
                continue
            if x is not None:
                errors.append(abs(x - pen))
            else:
                x = pen
            glyph = respaced[g.id] if respaced else g
            to_true = 1.0 / glyph.units_per_px / px_per_em1000
            x += (glyph.advance + set_tracking) * to_true
            if k + 1 < len(js):
                nxt = spec.glyphs[js[k + 1]]
                # a word space was printed here (a space is wider than 0.1 em in any text face)
                if nxt.matrix[0, 2] / px_per_em1000 - pen > truth[j][0] + tracking + 100:
                    x += (space_units + set_tracking) * to_true
                elif nxt.char and g.char:
                    x += kerning.get((g.char, nxt.char), (0, 0))[0] * to_true
    return errors


@click.command()
@click.option("--fonts", default=None, help="Suite font ids (default: every text font installed).")
@click.option("--levels", default="clean,mild", show_default=True)
@click.option("-o", "--out", default=None)
def main(fonts, levels, out):
    chosen = fonts_mod.text_fonts(fonts)
    rows = []
    for layout in LAYOUTS:
        for level in levels.split(","):
            pooled: Dict[str, List[float]] = fonts_mod.pooled(page_errors(font, layout, level) for font in chosen)
            cell = lambda k: f"{np.median(pooled[k]):.1f} / {np.percentile(pooled[k], 95):.0f}"  # noqa: E731
            cells = [cell(k) for k in ("adv_split", "adv_gaps", "lsb_split", "lsb_gaps", "reset_split", "reset_gaps",
                                       "tracking")]
            rows.append(f"| {layout} | {level} | {len(pooled['adv_gaps'])} | " + " | ".join(cells) + " |")
            print(rows[-1], file=sys.stderr, flush=True)
    text = "\n".join([f"# Spacing accuracy ({len(chosen)} suite text fonts; em/1000 of the true em, median / p95)", "",
                      "| page | level | glyphs | advance, half gaps | advance, solved | LSB, half gaps | LSB, solved | "
                      "line re-set, half gaps | line re-set, solved | tracking |",
                      "|---|---|---|---|---|---|---|---|---|---|", *rows, "",
                      "Line re-set: each line set again with the extracted advances (the extracted space at word "
                      "breaks, kerning where found) from its first glyph's printed pen position; the error of every "
                      "further glyph's pen position (it accumulates along the line).", "",
                      f"Command: `python -m benchmarks.spacing{' -o ' + out if out else ''}`."]) + "\n"
    print(text)
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
