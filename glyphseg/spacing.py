"""Spacing: each character's side bearings solved from every gap the specimen shows, and the space's width.

Every two neighbours on a line give one equation, gap(a, b) = RSB(a) + LSB(b), measured between their traced
outlines (font units, subpixel). A character met beside several neighbours (sample words, repeated
alphabets) gets its two bearings from all its gaps together: a least-squares solve over the whole
specimen, every character's bearings one pair of unknowns shared by its instances. What the gaps leave
open (which share of a gap is whose when a letter is seen once; a letter at a line's end) is closed by a
weak pull towards the template source fonts' bearings (glyphseg/data/bearings.json) scaled to the specimen
by one factor solved with them. Word gaps (over 2.5 × the line's typical gap) give the space: gap − RSB −
LSB. Measured on exact bearings (benchmarks/spacing_priors.md), the solve recovers advances to 0.4 em/1000
(median) on sample words; on an alphabet, where each letter is seen once, no page can say more than the
priors do (14.7).

The specimen's tracking shifts every gap alike, and the gaps alone cannot tell it from wider bearings. The
letters' counters can, roughly: a face spaces by the white inside its letters (the rhythm type designers
space by), and a specimen's counters do not change with its tracking. The bearings 30 open faces of the same
kind (serif or sans: serifs close the gaps between letters' ink) have in units of their n counter, times the
page's n counter (measured on its n, o and H masks), are what a face's gaps would be at tracking 0; what the
page's letter gaps hold beyond them, the median over pairs, is the tracking (`tracking_estimate`). Those
faces' own spacing departs from the rhythm learnt from the others by 6 em/1000 (median), 39 at most, so an
estimate beyond TRACKING_EVIDENCE is taken out of the bearings: a letterspaced or tightly set specimen gives
about the face's own spacing. A smaller one may be the face's own looseness, and the spacing is kept as
printed; so is a monospaced page's (its bearings fill a cell). `--tracking EM` takes out a tracking the user
knows (0: keep the spacing as printed).

>>> g = [Glyph(id=f"g{i}", page=0, bbox=(0, 0, 1, 1), components=(), line=0, order=i, char=c) for i, c in
...      enumerate("nonn")]
>>> box = {"g0": (50, 450), "g1": (40, 460), "g2": (50, 450), "g3": (50, 450)}  # ink x-extents in units
>>> origin = {"g0": 0, "g1": 500, "g2": 1020, "g3": 1520}  # where each instance's frame sits on the line
>>> sol = solve_bearings(g, box, origin)
>>> (ln, rn), (lo, ro) = sol.bearings["n"], sol.bearings["o"]
>>> round(ln + rn), round(rn + lo), round(ro + ln)  # the three gaps: n n, n o, o n
(100, 90, 110)
>>> ln > rn  # how each gap divides: the reference fonts' n has the wider bearing on its left
True
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from fontTools.pens.boundsPen import BoundsPen

from .types import Glyph, Outline

UNITS_PER_EM = 1000
PRIOR_PULL = 0.1  # weight of the pull towards the scaled reference bearings, against 1 for each gap
WORD_GAP = 2.5  # a gap this many times the line's typical one is a word space (or a line's ragged end)
OUTLIER_UNITS = 60  # a gap further than this (and 5 robust deviations) off the first solution is set aside
MIN_KERN_SEEN = 3  # a kern pair needs this many sightings that agree
SMALL_LINE = 0.55  # a line this much smaller than the page's typical one is another size (x-height lines: ~0.7)
TOUCH_CHECK = 0.5  # pairs closer than this share of the line's typical gap are checked for touching ink
MIN_KERN = 10  # units: smaller departures are measuring noise (a tolerance and a half of the outlines)
# A tracking estimate under this (em) may be the face's own spacing: the 30 faces the rhythm is learnt from depart
# from the others' by 0.006 em (median), 0.039 at most (templates/build_bearings.py prints each one's)
TRACKING_EVIDENCE = 0.04
MIN_TRACKING_PAIRS = 5  # letter pairs with reference bearings needed before the tracking is estimated
# Where a scanline crosses a letter's two stems or bowls and its counter, nothing else (share of the ink's height
# from its bottom): below n's arch, o's middle, H's below its crossbar
COUNTER_SCANS = {"n": 0.4, "o": 0.5, "H": 0.25}
SERIF_REACH = 0.3  # n's serifs reaching past its stems by more than this share of its counter: a serif face
# Neighbours' ink centres this evenly apart (median deviation ÷ median distance) make a monospaced face, whose
# bearings fill a cell instead of following its counters (no tracking estimate; proportional alphabets: > 0.15)
MONOSPACED_SPREAD = 0.06


@lru_cache(maxsize=1)
def _bearings_file() -> dict:
    """glyphseg/data/bearings.json (templates/build_bearings.py), read once."""
    with open(os.path.join(os.path.dirname(__file__), "data", "bearings.json"), encoding="utf-8") as fh:
        return json.load(fh)


def _sides(table: dict) -> Dict[str, Tuple[float, float]]:
    return {c: (float(v[0]), float(v[1])) for c, v in table.items()}


@lru_cache(maxsize=1)
def reference_bearings() -> Tuple[Dict[str, Tuple[float, float]], float]:
    """(char → (LSB, RSB) in em, space width in em) from the template source fonts."""
    doc = _bearings_file()
    return _sides(doc["bearings"]), float(doc["space"])


@lru_cache(maxsize=1)
def reference_rhythm() -> Tuple[Dict[str, Dict[str, Tuple[float, float]]], Dict[str, float]]:
    """({"serif" | "sans": char → (LSB, RSB) in n counters}, char → its counter in n's (n: 1)) over the
    template sources and more open faces (templates/build_bearings.py): the bearings a face of that kind with
    a given n counter has, and what o's and H's counters say of n's."""
    doc = _bearings_file()
    return ({kind: _sides(table) for kind, table in doc["counter_bearings"].items()},
            {c: float(v) for c, v in doc["counter_share"].items()})


def face_kind(serif_reach: float, n_counter: float) -> str:
    """"serif" when n's ink reaches past its stems by more than SERIF_REACH of its counter, else "sans" (one
    rule for the specimen's prints and the reference fonts' outlines)."""
    return "serif" if serif_reach / n_counter > SERIF_REACH else "sans"


def ink_edges(profile: np.ndarray) -> np.ndarray:
    """Where runs of ink start and end along a scanline, to subpixel: the positions (in samples) where the ink
    coverage crosses 0.5, linearly interpolated; starts and ends alternate.

    >>> ink_edges(np.array([0, 1, 0.75, 0, 0, 0.25, 1, 0.])).round(2).tolist()
    [0.5, 2.33, 5.33, 6.5]
    """
    p = np.concatenate([[0.0], np.asarray(profile, float), [0.0]]) - 0.5
    i = np.flatnonzero(np.sign(p[:-1]) != np.sign(p[1:]))
    return i + p[i] / (p[i] - p[i + 1]) - 1


def counter_width(profile: np.ndarray) -> Optional[float]:
    """The white between the first and second run of ink along a scanline (samples, subpixel: `ink_edges`);
    None unless the line crosses exactly two runs.

    >>> counter_width(np.array([0, 1, 1, 0, 0, 0, 1, 1, 0.])), counter_width(np.array([0, 1, 1, 0.]))
    (3.0, None)
    """
    edges = ink_edges(profile)
    return float(edges[2] - edges[1]) if edges.size == 4 else None


def mask_counter(mask, share: float) -> Optional[Tuple[float, float]]:
    """(counter width, how far the ink reaches past the stems) in pixels, of a glyph mask on its row at
    `share` of its ink's height from the bottom (an n's or H's reach beyond its stems is its serifs')."""
    ink = mask.binary()
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size < 5:
        return None
    edges = ink_edges(mask.soft[int(round(rows[-1] - share * (rows[-1] - rows[0])))])
    if edges.size != 4:
        return None
    # a pixel's coverage is sampled at its centre: the ink's outer edges are half a pixel beyond the end columns
    return float(edges[2] - edges[1]), float(edges[0] - cols[0] + 0.5 + cols[-1] + 0.5 - edges[3])


@dataclass
class Counters:
    """What a specimen's letters say of its rhythm: its n counter (font units) and whether it has serifs."""

    n: float
    kind: Optional[str]  # "serif" | "sans"; None: no n or H printed to tell


def specimen_counters(glyphs: Sequence[Glyph], masks: Optional[dict], most: int = 15) -> Optional[Counters]:
    """The specimen's counters: n's, the median over its n, o and H prints (up to `most` of each; o's and H's
    by what they say of n's in the reference fonts), and its kind from how far n's and H's ink reaches past
    their stems (SERIF_REACH). None when none of n, o, H is labelled."""
    if not masks:
        return None
    _, share = reference_rhythm()
    widths: List[float] = []
    reaches: List[float] = []
    for char, scan in COUNTER_SCANS.items():
        for g in [g for g in glyphs if g.char == char and g.id in masks][:most]:
            seen = mask_counter(masks[g.id], scan)
            if seen is not None and seen[0] > 0:
                widths.append(seen[0] * g.units_per_px / share[char])
                if char != "o":
                    reaches.append(seen[1] * g.units_per_px)
    if not widths:
        return None
    n = float(np.median(widths))
    kind = face_kind(float(np.median(reaches)), n) if reaches else None
    return Counters(n, kind)


@dataclass
class SpacingSolution:
    bearings: Dict[str, Tuple[float, float]]  # class → (LSB, RSB), font units
    observed: Dict[str, Tuple[int, int]]  # class → gaps seen on its left, on its right
    space: Optional[float] = None  # the word space's width from word gaps, font units (None: none seen)
    scale: float = 1.0  # the specimen's bearings ÷ the reference bearings
    kerning: Dict[Tuple[str, str], Tuple[float, int]] = field(default_factory=dict)  # (a, b) → (kern, seen)
    tracking_estimate: Optional[float] = None  # units: what letter gaps hold beyond the counters' bearings


def _class_of(g: Glyph) -> str:
    return g.char if g.char else f"#{g.id}"  # an unlabelled glyph is its own class


def _gaps_on_lines(glyphs: Sequence[Glyph], ink: Dict[str, Tuple[float, float]], origin: Dict[str, float],
                   touching=None):
    """(letter pairs, word pairs): (left glyph, right glyph, gap in units) for neighbours on each line.
    Pairs `touching(a, b, shift)` says were one piece of ink (letters cut apart) are left out: where the cut
    runs says how the ink was shared, not how the letters are spaced."""
    lines: Dict[Tuple[int, int], List[Glyph]] = {}
    for g in glyphs:
        if g.id in ink and g.id in origin:
            lines.setdefault((g.page, g.line), []).append(g)
    lines = _body_size_lines(lines)
    gaps: Dict[int, list] = {}  # page → (a, b, gap)
    for (page, _), line in lines.items():
        line.sort(key=lambda g: origin[g.id] + ink[g.id][0])
        gaps.setdefault(page, []).extend((a, b, origin[b.id] + ink[b.id][0] - origin[a.id] - ink[a.id][1])
                                         for a, b in zip(line, line[1:]))
    pairs, word_pairs = [], []
    for page_gaps in gaps.values():
        # the typical gap of the whole page: a short line of few letters (a word and a half) has no typical gap
        positive = [gap for _, _, gap in page_gaps if gap > 0]
        typical = float(np.median(positive)) if positive else 0.0
        for a, b, gap in page_gaps:
            if touching is not None and gap < TOUCH_CHECK * typical and touching(a, b, origin[b.id] - origin[a.id]):
                continue
            (word_pairs if positive and gap > WORD_GAP * typical else pairs).append((a, b, gap))
    return pairs, word_pairs


def _body_size_lines(lines: Dict[Tuple[int, int], List[Glyph]]) -> Dict[Tuple[int, int], List[Glyph]]:
    """The lines set at the page's body size: a line whose tallest letters (90th percentile of its glyphs'
    heights) are under SMALL_LINE × the page's typical line's is another size or face (a caption, a footnote),
    whose gaps in this page's units would pull the bearings and the space down."""
    tall = {key: float(np.percentile([g.height for g in line], 90)) for key, line in lines.items()}
    typical: Dict[int, float] = {}
    for page in {key[0] for key in lines}:
        typical[page] = float(np.median([v for key, v in tall.items() if key[0] == page]))
    return {key: line for key, line in lines.items() if tall[key] >= SMALL_LINE * typical[key[0]]}


def _least_squares(classes: List[str], pairs, kerning: Dict[Tuple[str, str], float]) -> Tuple[np.ndarray, float]:
    """LSB and RSB of every class (2n values) and the reference scale: each gap (less its pair's kern) one
    equation of weight 1, gap = RSB(a) + LSB(b) + t, each bearing pulled with weight PRIOR_PULL towards
    scale × its reference bearing. The common term t (what every gap shares: the specimen's tracking, and
    whatever part of the bearings the priors cannot place) is given back half to each side, so a specimen's
    spacing is kept as printed; it only keeps a letterspaced page from stretching the reference proportions
    (the scale would absorb the tracking as a factor). Sparse (scipy's LSQR): a page of unlabelled glyphs has
    a class per glyph."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import lsqr

    ref, _ = reference_bearings()
    index = {c: i for i, c in enumerate(classes)}
    n = len(classes)
    scale, common = 2 * n, 2 * n + 1
    r, c, v, rhs = [], [], [], []
    for k, (a, b, gap) in enumerate(pairs):
        ca, cb = _class_of(a), _class_of(b)
        r += [k, k, k]
        c += [n + index[ca], index[cb], common]
        v += [1.0, 1.0, 1.0]
        rhs.append(gap - kerning.get((ca, cb), 0.0))
    row = len(pairs)
    typical_side = 0.05  # em: a neutral reference for a character the table does not know
    for cls in classes:
        for side, value in enumerate(ref.get(cls, (typical_side, typical_side))):
            r += [row, row]
            c += [side * n + index[cls], scale]
            v += [PRIOR_PULL, -PRIOR_PULL * value * UNITS_PER_EM]
            rhs.append(0.0)
            row += 1
    r.append(row)  # the common term: pulled weakly towards 0
    c.append(common)
    v.append(PRIOR_PULL)
    rhs.append(0.0)
    matrix = coo_matrix((v, (r, c)), shape=(row + 1, 2 * n + 2)).tocsr()
    x = lsqr(matrix, np.array(rhs), atol=1e-10, btol=1e-10, iter_lim=20 * (2 * n + 2))[0]
    return x[:2 * n] + x[common] / 2, float(x[scale])


def find_kerning(pairs, bearings: Dict[str, Tuple[float, float]]) -> Dict[Tuple[str, str], Tuple[float, int]]:
    """Kern pairs where the evidence repeats: a pair of labelled characters seen at least MIN_KERN_SEEN times
    whose gaps all depart from RSB + LSB the same way, by at least MIN_KERN units → (kern, times seen).
    Never from one observation: one gap cannot tell a kern from a measuring error."""
    residuals: Dict[Tuple[str, str], List[float]] = {}
    for a, b, gap in pairs:
        if a.char and b.char:
            residuals.setdefault((a.char, b.char), []).append(gap - bearings[a.char][1] - bearings[b.char][0])
    out = {}
    for key, values in residuals.items():
        med = float(np.median(values))
        spread = float(np.median(np.abs(np.array(values) - med)))
        if len(values) >= MIN_KERN_SEEN and abs(med) >= MIN_KERN and spread <= max(3.0, 0.25 * abs(med)):
            out[key] = (med, len(values))
    return out


def solve_bearings(glyphs: Sequence[Glyph], ink: Dict[str, Tuple[float, float]],
                   origin: Dict[str, float], touching=None, counters: Optional[Counters] = None) -> SpacingSolution:
    """Bearings per character class from the gaps between neighbours on each line, and kerning where a pair's
    gaps repeat a departure from them (then the bearings are solved again without those pairs' kerns).
    Given the specimen's `counters`, also the tracking: the median over letter pairs of what each gap holds
    beyond the bearings a face of that kind with that n counter has (`reference_rhythm`) and its kern.

    `ink[id]` is a glyph's ink extent (xMin, xMax) in its own font units; `origin[id]` where its frame's x = 0
    sits along its line, in the same units (so a gap is origin_b + xMin_b − origin_a − xMax_a).
    """
    pairs, word_pairs = _gaps_on_lines(glyphs, ink, origin, touching)
    classes = sorted({_class_of(g) for a, b, _ in pairs + word_pairs for g in (a, b)} |
                     {_class_of(g) for g in glyphs if g.id in ink and g.id in origin})
    n = len(classes)
    if not n:
        return SpacingSolution({}, {})
    # one robust pass first: a gap far off the solution is not spacing (a word space taken for a letter gap,
    # a mislabelled or broken glyph) and would pull its letters' bearings
    x, _ = _least_squares(classes, pairs, {})
    index = {c: i for i, c in enumerate(classes)}
    residual = np.array([gap - x[n + index[_class_of(a)]] - x[index[_class_of(b)]]
                         for a, b, gap in pairs]) if pairs else np.zeros(0)
    if residual.size >= 8:
        mad = float(np.median(np.abs(residual - np.median(residual))))
        limit = max(OUTLIER_UNITS, 5.0 * 1.4826 * mad)
        pairs = [p for p, r in zip(pairs, residual) if abs(r) <= limit]
    kerning: Dict[Tuple[str, str], Tuple[float, int]] = {}
    # bearings; kerns from their residuals; bearings again with those kerns taken out (the first solve spreads
    # part of a kern over the two letters' bearings) … until the kerns settle
    for _ in range(12):
        x, scale = _least_squares(classes, pairs, {k: v for k, (v, _) in kerning.items()})
        bearings = {c: (float(x[i]), float(x[n + i])) for i, c in enumerate(classes)}
        found = find_kerning(pairs, bearings)
        settled = set(found) == set(kerning) and all(abs(found[k][0] - kerning[k][0]) < 0.5 for k in found)
        kerning = found
        if settled:
            break
    observed = {c: (0, 0) for c in classes}
    for a, b, _ in pairs:
        ca, cb = _class_of(a), _class_of(b)
        observed[ca] = (observed[ca][0], observed[ca][1] + 1)
        observed[cb] = (observed[cb][0] + 1, observed[cb][1])
    spaces = [gap - bearings[_class_of(a)][1] - bearings[_class_of(b)][0] for a, b, gap in word_pairs]
    space = float(np.median(spaces)) if spaces else None
    if counters is not None and monospaced(pairs, ink, origin):
        counters = None
    return SpacingSolution(bearings, observed, space, scale, kerning=kerning,
                           tracking_estimate=_tracking_estimate(pairs, kerning, counters))


def monospaced(pairs, ink: Dict[str, Tuple[float, float]], origin: Dict[str, float]) -> bool:
    """Whether neighbours' ink centres stand evenly apart along the lines (MONOSPACED_SPREAD): each letter in a
    cell of one width, whatever its own.

    >>> g = [Glyph(id=f"g{i}", page=0, bbox=(0, 0, 1, 1), components=(), line=0, order=i) for i in range(6)]
    >>> pairs = list(zip(g, g[1:], [0] * 5))
    >>> ink = {f"g{i}": x for i, x in enumerate([(250, 350), (100, 500), (200, 400), (150, 450)] * 2)}  # i m n o
    >>> monospaced(pairs, ink, {f"g{i}": 600 * i for i in range(6)})  # each in a cell 600 wide
    True
    >>> monospaced(pairs, ink, {"g0": 0, "g1": 250, "g2": 1000, "g3": 1500, "g4": 2200, "g5": 2450})
    False
    """
    if len(pairs) < MIN_TRACKING_PAIRS:
        return False
    centre = {k: origin[k] + (x0 + x1) / 2 for k, (x0, x1) in ink.items() if k in origin}
    pitch = np.array([centre[b.id] - centre[a.id] for a, b, _ in pairs])
    middle = float(np.median(pitch))
    return middle > 0 and float(np.median(np.abs(pitch - middle))) < MONOSPACED_SPREAD * middle


def _tracking_estimate(pairs, kerning, counters: Optional[Counters]) -> Optional[float]:
    """Units: the median of gap − kern − n counter × (reference RSB(a) + LSB(b), in n counters), over neighbour
    pairs of labelled letters and figures; None without counters or their kind, or with fewer than
    MIN_TRACKING_PAIRS."""
    if counters is None or counters.kind is None:
        return None
    rhythm, counter = reference_rhythm()[0][counters.kind], counters.n
    residuals = [gap - kerning.get((a.char, b.char), (0.0, 0))[0] - counter * (rhythm[a.char][1] + rhythm[b.char][0])
                 for a, b, gap in pairs
                 if a.char in rhythm and b.char in rhythm and a.char.isalnum() and b.char.isalnum()]
    return float(np.median(residuals)) if len(residuals) >= MIN_TRACKING_PAIRS else None


def tracking_to_remove(estimate: Optional[float], given: Optional[float]) -> float:
    """Units of tracking to take out of the bearings: the user's (`given`, em) when said, else the estimate
    when it is over TRACKING_EVIDENCE (a page set at a font's own spacing keeps it), else none.

    >>> tracking_to_remove(96.0, None), tracking_to_remove(12.0, None), tracking_to_remove(96.0, 0.0)
    (96.0, 0.0, 0.0)
    """
    if given is not None:
        return given * UNITS_PER_EM
    if estimate is not None and abs(estimate) > TRACKING_EVIDENCE * UNITS_PER_EM:
        return estimate
    return 0.0


def ink_extent(outline: Outline) -> Optional[Tuple[float, float]]:
    """(xMin, xMax) of an outline's ink (fontTools' BoundsPen: the curves' own extrema, not their handles)."""
    pen = BoundsPen(None)
    outline.draw(pen)
    return None if pen.bounds is None else (pen.bounds[0], pen.bounds[2])


@dataclass
class Spacing:
    """The spacing stage's answer: glyphs with origin and advance from the solved bearings, outlines moved
    to match, how each glyph's spacing was found, and the space's width (font units)."""

    glyphs: List[Glyph]
    outlines: Dict[str, Outline]
    method: Dict[str, str]  # glyph id → "gaps" (both sides seen beside neighbours) or "prior"
    space_width: int
    kerning: Dict[Tuple[str, str], Tuple[int, int]] = field(default_factory=dict)  # (char, char) → (kern, seen)
    tracking: float = 0.0  # em: the specimen's tracking taken out of the bearings (half from each side)
    tracking_estimate: Optional[float] = None  # em: what the gaps hold beyond the counters' spacing (None: unknown)


def space(glyphs: Sequence[Glyph], outlines: Dict[str, Outline], masks: Optional[dict] = None,
          tracking: Optional[float] = None) -> Spacing:
    """The spacing stage: bearings solved over the whole specimen (`solve_bearings`), less the specimen's
    tracking (`tracking` em when given, else the estimate when it is clear: `tracking_to_remove`), applied to
    every traced glyph. A glyph's frame moves along its line so that its ink starts at its class's LSB, its
    outline moves with it (the manifest's origin and the outline still put the ink on the same page pixels),
    and its advance is LSB + its own ink width + RSB."""
    ink = {g.id: e for g in glyphs if g.id in outlines for e in [ink_extent(outlines[g.id])] if e is not None}
    # a glyph's frame origin along its line, in its units: every glyph of a page shares units and angle, so
    # the line-frame x of the origin, times units per px, is comparable along the line
    origin = {g.id: _along_line(g) for g in glyphs if g.id in ink}
    def touching(a: Glyph, b: Glyph, shift: float) -> bool:
        """Were a and b one piece of ink? Their masks on the page come within two pixels (a cut through a
        joined crossbar leaves the pieces' outlines apart, but not their masks)."""
        return masks is not None and a.id in masks and b.id in masks and masks_touch(masks[a.id], masks[b.id])

    sol = solve_bearings(glyphs, ink, origin, touching, counters=specimen_counters(glyphs, masks))
    removed = tracking_to_remove(sol.tracking_estimate, tracking)
    _, ref_space = reference_bearings()
    # a word gap holds the tracking twice (after the letter, after the space), the bearings already took one
    space_width = (max(sol.space - removed, 0.0) if sol.space is not None
                   else ref_space * UNITS_PER_EM * _width_scale(glyphs, ink))
    new_glyphs, new_outlines, method = [], dict(outlines), {}
    for g in glyphs:
        if g.id not in ink:
            new_glyphs.append(g)
            continue
        lsb, rsb = (side - removed / 2 for side in sol.bearings[_class_of(g)])
        lsb, rsb = max(lsb, -0.5 * UNITS_PER_EM), max(rsb, -0.5 * UNITS_PER_EM)
        x0, x1 = ink[g.id]
        # the frame moves right by `shift` units, so the ink starts at lsb; whole units, so that the outline's
        # points (rounded to units in the UFO) keep their place on the page
        shift = float(round(x0 - lsb))
        new_outlines[g.id] = Outline([[(x - shift, y, t) for x, y, t in c] for c in outlines[g.id].contours])
        ox, oy = g.units_to_page(np.array([shift]), np.array([0.0]))
        new_glyphs.append(replace(g, origin=(float(ox[0]), float(oy[0])), advance=int(round(x1 - shift + rsb))))
        left, right = sol.observed[_class_of(g)]
        method[g.id] = "gaps" if left and right else "prior"
    kerning = {k: (int(round(v)), seen) for k, (v, seen) in sol.kerning.items()}
    estimate = None if sol.tracking_estimate is None else sol.tracking_estimate / UNITS_PER_EM
    return Spacing(new_glyphs, new_outlines, method, int(round(space_width)), kerning,
                   tracking=removed / UNITS_PER_EM, tracking_estimate=estimate)


def _width_scale(glyphs: Sequence[Glyph], ink: Dict[str, Tuple[float, float]]) -> float:
    """How wide the specimen's letters are against typical fonts' (median ink width ÷ the character's typical
    width, glyphseg/data/char_zones.json): a wide face has a wide space. 1 when nothing is labelled."""
    from .metrics import expected_zone

    ratios = [(ink[g.id][1] - ink[g.id][0]) / UNITS_PER_EM / expected_zone(g.char)[2]
              for g in glyphs if g.char and g.id in ink and g.char.isalpha() and expected_zone(g.char)[2] > 0.2]
    return float(np.clip(np.median(ratios), 0.6, 1.6)) if ratios else 1.0


def masks_touch(a, b, reach: int = 2) -> bool:
    """Whether two glyph masks (GlyphMask, page crops) have ink within `reach` pixels of each other.

    >>> from glyphseg.types import GlyphMask
    >>> square = lambda x0: GlyphMask("g", x0, 0, np.ones((3, 3), np.float32))
    >>> masks_touch(square(0), square(4)), masks_touch(square(0), square(6))
    (True, False)
    """
    ha, wa = a.soft.shape
    hb, wb = b.soft.shape
    x0, y0 = max(a.x0, b.x0) - reach, max(a.y0, b.y0) - reach
    x1, y1 = min(a.x0 + wa, b.x0 + wb) + reach, min(a.y0 + ha, b.y0 + hb) + reach
    if x0 >= x1 or y0 >= y1:
        return False
    ya, xa = np.nonzero(a.binary())
    yb, xb = np.nonzero(b.binary())
    ya, xa, yb, xb = ya + a.y0, xa + a.x0, yb + b.y0, xb + b.x0
    near_a = (xa >= x0) & (xa < x1) & (ya >= y0) & (ya < y1)
    near_b = (xb >= x0) & (xb < x1) & (yb >= y0) & (yb < y1)
    if not near_a.any() or not near_b.any():
        return False
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(np.stack([xb[near_b], yb[near_b]], 1)).query(np.stack([xa[near_a], ya[near_a]], 1),
                                                                    distance_upper_bound=reach + 0.01)
    return bool(np.isfinite(dist).any())


def _along_line(g: Glyph) -> float:
    """x of the glyph's origin in its line's frame (rotated by the page's angle), in font units."""
    import math

    a = math.radians(g.angle)
    x, y = g.origin
    return (x * math.cos(a) - y * math.sin(a)) * g.units_per_px
