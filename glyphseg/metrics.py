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

from .detect import glyphs_slant
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


def line_em_from_ink(det: PageLayout, line, dpi: float) -> Optional[float]:
    """A line's body size in inches from its tallest ink (the 90th percentile of its glyphs' tops above the
    baseline, taken as tall letters), or None for a line of fewer than 3 glyphs."""
    if len(line.glyph_ids) < 3:
        return None
    tops = [line.baseline_offset - det.extents[gid][1] for gid in line.glyph_ids]
    return float(np.percentile(tops, 90)) / TALL_LETTER_EM / dpi


def em_from_lines(pages: Sequence[Page], detections: Sequence[PageLayout]) -> Optional[float]:
    """Body size in inches from line heights alone (no labels), each line brought to the reference size."""
    sizes = []
    for page, det in zip(pages, detections):
        for line in det.lines:
            em = line_em_from_ink(det, line, page.dpi)
            if em is not None:
                sizes.append(em / line.size)
    return float(np.median(sizes)) if sizes else None


def em_from_text_height(pages: Sequence[Page], detections: Sequence[PageLayout]) -> float:
    """Body size in inches when lines are too short to measure: the page's text height as tall letters."""
    return max(d.text_height for d in detections) / TALL_LETTER_EM / pages[0].dpi


def glyph_em_px(layout: PageLayout, g: Glyph, em_inch: float, dpi: float) -> float:
    """The em of glyph g's line in page pixels: the reference em times the line's size (Line.size)."""
    size = layout.lines[g.line].size if 0 <= g.line < len(layout.lines) else 1.0
    return em_inch * dpi * size


SURE_LABEL = 0.3  # labels this sure (or surer) measure sizes, widths and shapes


def glyph_em_from_label(det: PageLayout, g: Glyph, dpi: float, min_score: float = SURE_LABEL) -> Optional[float]:
    """The body size in inches one labelled glyph implies: its ink height ÷ its character's typical height in
    em; None when it is unlabelled, unsure (score below `min_score`), or its character is too flat to tell (a
    dash, a dot)."""
    if g.char is None or g.score < min_score:
        return None
    top, bottom, _ = expected_zone(g.char)
    if top - bottom < 0.3:
        return None
    x0, y0, x1, y1 = det.extents[g.id]
    return (y1 - y0) / (top - bottom) / dpi


def em_from_labels(glyphs: Sequence[Glyph], pages: Sequence[Page], detections: Sequence[PageLayout]) -> Optional[float]:
    """The reference body size in inches from labelled glyphs (`glyph_em_from_label`), each glyph brought to
    the reference size by its line's size."""
    by_page = {d.page: d for d in detections}
    ratios = []
    for g in glyphs:
        det = by_page[g.page]
        em = glyph_em_from_label(det, g, pages[g.page].dpi)
        if em is not None:
            ratios.append(em / glyph_em_px(det, g, 1.0, 1.0))
    return float(np.median(ratios)) if len(ratios) >= 3 else None


# ----------------------------------------------------------------------------------------------------------
# several sizes on a page: each line's body relative to the reference em

INK_SIZE_STEP = 1.4  # lines' ink heights this far apart (and stems, STEM_STEP) may be two sizes: a line of
#                      lowercase stands 0.76 as tall as one of capitals at one size, so heights alone cannot say
LABEL_SIZE_STEP = 1.15  # with labels, per-line ems this far apart: the zone table's per-character bias is ±8 %
STEM_STEP = 1.25  # stems this much wider or narrower (a bold line at one size has wider stems, the same height;
#                  Old Standard's lowercase stems are 0.75 of its capitals')
MIN_LINE_LABELS = 4


def line_stems(layout: PageLayout) -> Dict[int, float]:
    """Each line's stem width in px: the median horizontal run of its glyphs' ink. Stems scale with the body
    size whichever letters a line shows, so they tell a lowercase line from a smaller one."""
    comps = layout.ink.components
    by_id = {g.id: g for g in layout.glyphs}
    out = {}
    for line in layout.lines:
        runs = []
        for gid in line.glyph_ids:
            g = by_id.get(gid)
            if g is None:
                continue
            x0, y0, x1, y1 = g.bbox
            ink = np.isin(comps[y0:y1, x0:x1], g.components)
            edges = np.diff(np.pad(ink.astype(np.int8), ((0, 0), (1, 1))), axis=1)
            starts, ends = np.nonzero(edges == 1), np.nonzero(edges == -1)
            runs.append(ends[1] - starts[1])
        runs = np.concatenate(runs) if runs else np.zeros(0)
        out[line.index] = float(np.median(runs)) if runs.size >= 10 else 0.0
    return out


# characters whose shape does not tell their size, which recognition reads one for another: letters whose
# lowercase is the capital drawn smaller (and the figure 0, an O), and plain stems (i l I 1, and the accented
# letters a dotted i reads as: its dot is taken for the accent)
CASE_TWINS = frozenset("cosuvwxzCOSUVWXZ0ilI1ìíîïÌÍÎÏ")


def _line_em_estimates(layout: PageLayout, dpi: float, by_labels: bool, transcribed: bool = False,
                       untwinned: bool = False) -> Dict[int, Tuple[float, int]]:
    """line index → (body size in inches, glyphs it rests on), from the line's labelled letters and figures
    (`glyph_em_from_label`) or from its tallest ink (`line_em_from_ink`). On a line where too few labels are
    sure, a transcript's labels all count (`transcribed`): their scores measure the zone fit, which is poor
    on a line whose size is still wrong — the very thing the estimate is to correct. `untwinned`: recognition's
    labels, on a page it reads well: the characters whose shape does not tell their size (CASE_TWINS) are left
    out where enough others remain."""
    by_id = {g.id: g for g in layout.glyphs}
    out = {}
    for line in layout.lines:
        members = [by_id[gid] for gid in line.glyph_ids if gid in by_id]
        if by_labels:
            # letters and digits only: where punctuation's ink sits varies too much between fonts
            lettered = [g for g in members if g.char is not None and g.char.isalnum()]
            scored = [(glyph_em_from_label(layout, g, dpi, 0.0), g.score) for g in lettered]
            ems = [em for em, score in scored if em is not None and score >= SURE_LABEL]
            if transcribed and len(ems) < MIN_LINE_LABELS:
                ems = [em for em, _ in scored if em is not None]
            if untwinned:  # recognition reads a lowercase o as a capital O as readily: what it is says the
                # line's em only once the letters that have no twin of another case say it
                telling = [em for (em, score), g in zip(scored, lettered)
                           if em is not None and score >= SURE_LABEL and g.char not in CASE_TWINS]
                if len(telling) >= MIN_LINE_LABELS:
                    ems = telling
            if len(ems) >= MIN_LINE_LABELS:
                out[line.index] = (float(np.median(ems)), len(ems))
        else:
            em = line_em_from_ink(layout, line, dpi)
            if em is not None:
                out[line.index] = (em, len(members))
    return out


def _apart(a: float, b: float, step: float) -> int:
    """+1 when a is more than `step` times b, −1 when less than 1/step times, else 0."""
    return 1 if a > step * b else (-1 if b > step * a else 0)


def _sizes_apart(a, b, step: float, transcribed: bool = False) -> bool:
    """Lines a and b ((glyphs, page, line, em, stem)) are two sizes: em and stems both differ, the same way;
    with a transcript's labels (`transcribed`), the ems alone (a 12 pt bold line has the stems of an 18 pt
    regular one; each font's bias in the zone table is shared by its lines at every size)."""
    d_em = _apart(a[3], b[3], step)
    return bool(d_em) and (transcribed or d_em == _apart(a[4], b[4], STEM_STEP))


def _distance(a, b, step: float, transcribed: bool = False) -> float:
    """How unlike two lines' sizes are, em and stems each in units of their step (the em alone with a
    transcript's labels: stems differ with the letters a line shows and with the weight)."""
    stem = abs(math.log(max(a[4], 1e-3) / max(b[4], 1e-3))) / math.log(STEM_STEP)
    return abs(math.log(a[3] / b[3])) / math.log(step) + (0.0 if transcribed else stem)


def line_sizes(layouts: Sequence[PageLayout], pages: Sequence[Page], by_labels: bool,
               stems: Optional[Dict[Tuple[int, int], float]] = None,
               fallback: Optional[Dict[Tuple[int, int], float]] = None,
               transcribed: bool = False, ems_decide: bool = False, untwinned: bool = False) -> List[PageLayout]:
    """The layouts with each line's `size` set: 1 for lines at the main body size, the ratio for lines set
    larger or smaller (a specimen's display lines, its sample text, a caption).

    Lines are grouped into sizes greedily, longest first: a line joins the nearest group it is not clearly
    apart from — apart means both its em estimate (INK_SIZE_STEP from ink, LABEL_SIZE_STEP from labels) and its
    stems (STEM_STEP) differ from the group's, the same way. So a page at one size keeps every line at
    exactly 1 (a lowercase line and a bold line are not apart). Lines without an estimate (too few glyphs
    or labels) take their size from `fallback` ((page, line) → size, e.g. the sizes from ink), else keep
    theirs. `transcribed`: the labels come from a transcript (`_line_em_estimates`); `ems_decide`: their ems
    alone tell sizes apart (`_sizes_apart`), where the design is one the templates know; `untwinned`: recognised
    labels on such a design, measured without their case twins (`_line_em_estimates`)."""
    step = LABEL_SIZE_STEP if by_labels else INK_SIZE_STEP
    if stems is None:
        stems = {(lay.page, k): v for lay in layouts for k, v in line_stems(lay).items()}
    lines = []  # (glyphs, page, line, em, stem)
    for lay in layouts:
        for k, (em, n) in _line_em_estimates(lay, pages[lay.page].dpi, by_labels, transcribed, untwinned).items():
            lines.append((n, lay.page, k, em, stems.get((lay.page, k), 0.0)))
    groups: List[list] = []
    trusted = ems_decide and by_labels
    for line in sorted(lines, key=lambda t: -t[0]):
        near = [(_distance(line, grp[0], step, trusted), grp) for grp in groups
                if not _sizes_apart(line, grp[0], step, trusted)]
        if near:
            min(near, key=lambda t: t[0])[1].append(line)
        else:
            groups.append([line])
    em_of = [float(np.median(np.repeat([t[3] for t in g], [t[0] for t in g]))) for g in groups]
    main = max(range(len(groups)), key=lambda i: sum(t[0] for t in groups[i])) if groups else 0
    size = {(t[1], t[2]): em_of[i] / em_of[main] for i, g in enumerate(groups) for t in g}
    fallback = fallback or {}
    return [replace(lay, lines=[replace(ln, size=size.get((lay.page, ln.index),
                                                           fallback.get((lay.page, ln.index), ln.size)))
                                for ln in lay.lines]) for lay in layouts]


def glyph_zones(glyphs: Sequence[Glyph], pages: Sequence[Page], detections: Sequence[PageLayout],
                em_inch: float) -> List[GlyphZone]:
    by_page = {d.page: d for d in detections}
    return [extent_zone(by_page[g.page], g, by_page[g.page].extents[g.id],
                        glyph_em_px(by_page[g.page], g, em_inch, pages[g.page].dpi)) for g in glyphs]


def extent_zone(det: PageLayout, g: Glyph, extent, em_px: float) -> GlyphZone:
    """Where an ink extent (line frame) sits on glyph g's line, in em."""
    x0, y0, x1, y1 = extent
    base = _baseline_of(det, g)
    return GlyphZone(top=(base - y0) / em_px, bottom=(base - y1) / em_px, width=(x1 - x0) / em_px)


def frames(labelling: Labelling, pages: Sequence[Page]) -> Frames:
    """The metrics stage: every glyph placed in its font-unit frame, and each face's vertical metrics."""
    glyphs = placed_glyphs(labelling.glyphs, pages, labelling.layouts, labelling.em_inch)
    n_faces = max((g.face for g in glyphs), default=0) + 1
    per_face = []
    for k in range(n_faces):
        mine = [g for g in glyphs if g.face == k]
        metrics = font_metrics(mine, [z for g, z in zip(glyphs, labelling.zones) if g.face == k])
        # the face's own slant (a page may set a roman and an italic): the font's italic angle
        per_face.append(replace(metrics, italic_angle=round(-glyphs_slant(labelling.layouts, mine), 1) or 0.0))
    return Frames(glyphs=glyphs, metrics=per_face[0], face_metrics=per_face)


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
        a = math.radians(det.angle)
        for line in det.lines:
            upp = UNITS_PER_EM / (em_inch * page.dpi * line.size)
            ids = [gid for gid in line.glyph_ids if gid in by_id]
            ext = [det.extents[gid] for gid in ids]
            gaps = [max(0.0, ext[k + 1][0] - ext[k][2]) for k in range(len(ext) - 1)]
            positive = [v for v in gaps if v > 0]
            typical = float(np.median(positive)) if positive else 0.1 * UNITS_PER_EM / upp
            typical = min(typical, 0.25 * UNITS_PER_EM / upp)

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
