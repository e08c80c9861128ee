"""Metrics: the body size, each glyph's font-unit frame (origin, scale, angle), advance widths and the
font's vertical metrics.

The specimen's body (its em) is not printed on the page; it is estimated from the ink. Without labels,
from the tallest letters of each line (capitals and ascenders are ~0.72 em in text faces); with labels,
from how tall each labelled glyph is compared with where that character's ink sits in typical fonts
(glyphseg/data/char_zones.json). The em maps to unitsPerEm = 1000.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import replace
from functools import lru_cache
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .types import FontMetrics, Frames, Glyph, GlyphZone, Labelling, Page, PageLayout

UNITS_PER_EM = 1000
TALL_LETTER_EM = 0.72  # typical height of capitals and ascenders above the baseline, in em


@lru_cache(maxsize=1)
def char_zones() -> Dict[str, Dict[str, float]]:
    """Where each character's ink sits in typical fonts (built by templates/build_char_zones.py)."""
    path = os.path.join(os.path.dirname(__file__), "data", "char_zones.json")
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)["zones"]


def expected_zone(ch: str) -> Tuple[float, float, float]:
    """(top, bottom, width) of the character's ink in em, typical over the zone table's fonts."""
    z = char_zones().get(ch)
    if z is None:  # an unusual character: a neutral, lowercase-sized guess
        return 0.5, 0.0, 0.5
    return z["top"], z["bottom"], z["width"]


def _baseline_of(det: PageLayout, g: Glyph) -> float:
    return det.lines[g.line].baseline_offset


def em_from_lines(pages: Sequence[Page], detections: Sequence[PageLayout]) -> Optional[float]:
    """Body size in inches from line heights alone (no labels)."""
    sizes = []
    for page, det in zip(pages, detections):
        for line in det.lines:
            if len(line.glyph_ids) < 3:
                continue
            tops = [line.baseline_offset - det.extents[gid][1] for gid in line.glyph_ids]
            sizes.append(float(np.percentile(tops, 90)) / TALL_LETTER_EM / page.dpi)
    return float(np.median(sizes)) if sizes else None


def em_from_text_height(pages: Sequence[Page], detections: Sequence[PageLayout]) -> float:
    """Body size in inches when lines are too short to measure: the page's text height as tall letters."""
    return max(d.text_height for d in detections) / TALL_LETTER_EM / pages[0].dpi


def em_from_labels(glyphs: Sequence[Glyph], pages: Sequence[Page], detections: Sequence[PageLayout]) -> Optional[float]:
    """Body size in inches from labelled glyphs: measured ink height ÷ the character's typical height in em."""
    by_page = {d.page: d for d in detections}
    ratios = []
    for g in glyphs:
        if g.char is None or g.score < 0.3:
            continue
        top, bottom, _ = expected_zone(g.char)
        if top - bottom < 0.3:
            continue
        x0, y0, x1, y1 = by_page[g.page].extents[g.id]
        ratios.append((y1 - y0) / (top - bottom) / pages[g.page].dpi)
    return float(np.median(ratios)) if len(ratios) >= 3 else None


def glyph_zones(glyphs: Sequence[Glyph], pages: Sequence[Page], detections: Sequence[PageLayout],
                em_inch: float) -> List[GlyphZone]:
    by_page = {d.page: d for d in detections}
    return [extent_zone(by_page[g.page], g, by_page[g.page].extents[g.id], em_inch * pages[g.page].dpi)
            for g in glyphs]


def extent_zone(det: PageLayout, g: Glyph, extent, em_px: float) -> GlyphZone:
    """Where an ink extent (line frame) sits on glyph g's line, in em."""
    x0, y0, x1, y1 = extent
    base = _baseline_of(det, g)
    return GlyphZone(top=(base - y0) / em_px, bottom=(base - y1) / em_px, width=(x1 - x0) / em_px)


def frames(labelling: Labelling, pages: Sequence[Page]) -> Frames:
    """The metrics stage: every glyph placed in its font-unit frame, and the font's vertical metrics."""
    glyphs = placed_glyphs(labelling.glyphs, pages, labelling.layouts, labelling.em_inch)
    return Frames(glyphs=glyphs, metrics=font_metrics(glyphs, labelling.zones))


def placed_glyphs(glyphs: Sequence[Glyph], pages: Sequence[Page], detections: Sequence[PageLayout],
                  em_inch: float) -> List[Glyph]:
    """The glyphs with origin, units_per_px, angle and advance set (new records, same order).

    Side bearings: half the gap to each neighbour on the line (a specimen sets glyphs at their own spacing,
    so the gap is the right bearing of one plus the left bearing of the next; which share is whose cannot be
    seen, so it is split evenly). Gaps much wider than the line's typical one (word spaces, line ends) are
    replaced by the typical gap.
    """
    by_id = {g.id: g for g in glyphs}
    placed = {}
    for det in detections:
        page = pages[det.page]
        upp = UNITS_PER_EM / (em_inch * page.dpi)
        a = math.radians(det.angle)
        for line in det.lines:
            ids = [gid for gid in line.glyph_ids if gid in by_id]
            ext = [det.extents[gid] for gid in ids]
            gaps = [max(0.0, ext[k + 1][0] - ext[k][2]) for k in range(len(ext) - 1)]
            positive = [v for v in gaps if v > 0]
            typical = float(np.median(positive)) if positive else 0.1 * em_inch * page.dpi
            typical = min(typical, 0.25 * em_inch * page.dpi)

            def usable(v):
                return typical if v is None or v > 2.5 * typical else v

            for k, gid in enumerate(ids):
                x0, _, x1, _ = ext[k]
                lsb = usable(gaps[k - 1] if k > 0 else None) / 2
                rsb = usable(gaps[k] if k < len(gaps) else None) / 2
                ox, oy = x0 - lsb, line.baseline_offset  # line frame
                # back to page coordinates (inverse rotation)
                origin = (ox * math.cos(a) + oy * math.sin(a), -ox * math.sin(a) + oy * math.cos(a))
                placed[gid] = replace(by_id[gid], origin=origin, units_per_px=upp, angle=det.angle,
                                      advance=int(round((x1 - x0 + lsb + rsb) * upp)))
    return [placed.get(g.id, g) for g in glyphs]


FLAT_CAPS = "HEFIKLNTXZ"
FLAT_LOWER_X = "xzvwy"  # glyphs whose top is the x-height without overshoot
ASCENDING = "bdhkl"
DESCENDING = "pqgjy"


def font_metrics(glyphs: Sequence[Glyph], zones: Sequence[GlyphZone]) -> FontMetrics:
    """Vertical metrics in font units from the glyphs' ink zones (labelled glyphs when there are some)."""
    tops = {}
    bottoms = {}
    for g, z in zip(glyphs, zones):
        if g.char:
            tops.setdefault(g.char, []).append(z.top * UNITS_PER_EM)
            bottoms.setdefault(g.char, []).append(z.bottom * UNITS_PER_EM)

    def pooled(table, chars):
        vals = [v for c in chars for v in table.get(c, [])]
        return float(np.median(vals)) if vals else None

    all_tops = np.array([z.top for z in zones]) * UNITS_PER_EM if zones else np.array([720.0])
    all_bottoms = np.array([z.bottom for z in zones]) * UNITS_PER_EM if zones else np.array([0.0])
    cap = pooled(tops, FLAT_CAPS) or float(np.percentile(all_tops, 90))
    short = all_tops[all_tops < 0.8 * cap]
    xh = pooled(tops, FLAT_LOWER_X) or (float(np.median(short)) if short.size else 0.7 * cap)
    asc = pooled(tops, ASCENDING)
    asc = max(asc or float(np.percentile(all_tops, 95)), cap)
    deep = all_bottoms[all_bottoms < -0.1 * UNITS_PER_EM]
    desc = pooled(bottoms, DESCENDING) or (float(np.median(deep)) if deep.size else -0.22 * UNITS_PER_EM)
    return FontMetrics(units_per_em=UNITS_PER_EM, ascender=int(round(asc)), descender=int(round(min(desc, 0))),
                       x_height=int(round(xh)), cap_height=int(round(cap)))
