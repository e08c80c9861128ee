"""Split and join by recognition: one glyph per character where letters touch (a V's serif on a W's, ff or
rn at tight tracking, a script's join) or where thin ink broke a letter into pieces (a Fraktur n as two
stems), once the transcript says how many characters a detection holds.

Touching: after an alignment (glyphseg.label), a detection holds several characters (up to MAX_CHARS:
ffi, affili) when the text has characters left unmatched beside it (or around a detection that matched
nothing) and it is wide enough to hold them. They are cut off one by one from the left, each by a seam: a
top-to-bottom path through the least ink (dynamic programming, one pixel of sideways step per row, so it
follows a slanted join), started where the characters' typical widths put the boundary and at the
thinnest columns. A seam is judged by how well its left piece looks like its character (the glyph
templates); the chain stops at the first piece that does not fit, leaving the rest as one piece for the
next labelling round, and the cut is kept only when the pieces fit better than the whole did.
Ink on the seam goes to the right-hand glyph: a touching serif is cut at its thinnest, each letter keeps
its own stroke ends. On a slanted page (an italic, a script: `detect.page_slant`) seams and pieces are
found in the glyph's ink sheared upright (`upright_ink`), where the joins between letters stand as the
letters do, and the pieces are mapped back pixel for pixel.

Where the templates judge cuts (any page but a script's), the plain alignment can label a merged glyph with
its first character and shift the next labels past it, so that the characters left over are not beside it
(blackletter at its own spacing, a bold face at tight tracking, a line of merged pairs). There a second
alignment, in which glyphs at least TOUCHING_EM wide may hold runs of characters, names the merged glyph; it
is cut into them (`cut_by_fit`: all seams chosen together by the ink they cross, the pieces' widths and each
piece's template fit) where each piece looks like its character and together better than the whole did,
or into the run less its first or last character, which the alignment may have given it from a neighbour
(`fitting_cut`). The labels stay the plain alignment's: a glyph the templates do not see cut
keeps them.

Two lines: before any reading, a glyph holding letters of two lines (a descender touching an ascender of the
line below) is cut apart along the least-ink left-to-right seam between them (`cut_between_lines`), and each
side joins its own line.

Broken: `piece_group_costs` prices runs of 2–3 neighbours as one character for the alignment
(glyphseg.label.align_groups), which takes a run where it explains the text better than the pieces alone.

Hand-written because no library cuts or joins glyphs by recognition (OCR engines do it inside their own
recognisers: Tesseract's chopper and associator are not exposed).
"""
from __future__ import annotations

import unicodedata
from dataclasses import replace
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from scipy.ndimage import minimum_filter1d

from .detect import join_glyphs, joined_glyph, page_slant, split_glyphs
from .metrics import expected_zone, extent_zone, glyph_em_px
from .templates import SHAPE_WEIGHT, TemplateLibrary, glyph_rasters, normalise_raster
from .types import Glyph, Line, Page, PageLayout

MIN_PIECE_FIT = 0.6  # each piece must look like its character at least this well (template correlation)
MIN_GAIN = 0.05  # ... and the two pieces together better than the whole looked like its label
MIN_WIDTH_SHARE = 0.5  # the detection at least this share of its characters' typical ink widths together
#                        (at −0.05 em an ffi's ink is ~0.6 of f + f + i: the f's overhang each other)
STEP_COST = 0.05  # a seam's sideways step, in ink units: straight cuts where the ink allows
MAX_CHARS = 20  # characters one detection may be cut into
SEAM_BAND_EM = 0.08  # a seam between touching letters strays at most this far sideways from where it starts
MAX_CROSSING = 0.2  # without template evidence, a seam may run through ink for at most this share of the rows
SEAMS_AT_ONCE = 64  # seams found in one pass (`seam_paths`)


def split_touching_glyphs(layouts: Sequence[PageLayout], pages: Sequence[Page], glyphs: Sequence[Glyph],
                          pairs: Sequence[Tuple[int, int]], text: str, lib: TemplateLibrary,
                          em_inch: float, by_shape: bool = True) -> Tuple[List[PageLayout], int]:
    """New layouts in which every detection that the alignment (`pairs` of glyph index, text index over
    `glyphs`) shows to hold touching characters is cut into one glyph per character; and how many were cut.
    `by_shape`: judge cuts by the templates (False where the script is one the templates do not show)."""
    by_page = {layout.page: layout for layout in layouts}
    found: Dict[int, Tuple[float, Glyph, np.ndarray]] = {}  # first missing text index → best (fit, glyph, cut)
    for i, (chars, missing) in several_character_candidates(glyphs, pairs, text).items():
        g = glyphs[i]
        cut = best_cuts(by_page[g.page], g, chars, lib, glyph_em_px(by_page[g.page], g, em_inch, pages[g.page].dpi),
                        by_shape)
        if cut is not None and cut[0] > found.get(missing, (-1.0,))[0]:
            found[missing] = (cut[0], g, cut[1])  # missing characters are cut out of one glyph, the likelier
    cuts: Dict[int, list] = {}
    for _, g, pieces in found.values():
        cuts.setdefault(g.page, []).append((g, pieces))
    out = [split_glyphs(layout, cuts.get(layout.page, [])) for layout in layouts]
    return out, len(found)


def several_character_candidates(glyphs: Sequence[Glyph], pairs: Sequence[Tuple[int, int]],
                                 text: str) -> Dict[int, Tuple[str, int]]:
    """Glyph index → (the characters it may hold, left to right; the text index of the first one the
    alignment left unmatched): a labelled glyph beside characters left unmatched, or an unmatched glyph
    alone between two matched ones where two or more are unmatched.

    >>> from glyphseg.types import Glyph
    >>> gs = [Glyph(str(k), 0, (0, 0, 1, 1), (), line=0) for k in range(3)]
    >>> several_character_candidates(gs, [(0, 0), (1, 2), (2, 3)], "AVWX")  # the V is in the A or in the W
    {0: ('AV', 1), 1: ('VW', 1)}
    """
    text_of = {i: j for i, j in pairs}
    out: Dict[int, Tuple[str, int]] = {}
    for i, j in text_of.items():
        before = text_of.get(i - 1) if i > 0 else -1  # None: an unmatched glyph before, it may hold them
        after = text_of.get(i + 1) if i + 1 < len(glyphs) else len(text)
        if before is not None and 1 <= j - before - 1 <= MAX_CHARS - 1:
            out[i] = (text[before + 1:j + 1], before + 1)
        elif after is not None and 1 <= after - j - 1 <= MAX_CHARS - 1:
            out[i] = (text[j:after], j + 1)
    matched = sorted(text_of)
    for p, n in zip([-1] + matched, matched + [len(glyphs)]):
        if n - p != 2:  # exactly one unmatched glyph between two matched ones
            continue
        first = text_of[p] + 1 if p >= 0 else 0
        missing = text[first:(text_of[n] if n < len(glyphs) else len(text))]
        if 2 <= len(missing) <= MAX_CHARS:
            out[p + 1] = (missing, first)
    return out


def best_cuts(layout: PageLayout, glyph: Glyph, chars: str, lib: TemplateLibrary, em_px: float,
              by_shape: bool = True) -> Optional[Tuple[float, np.ndarray]]:
    """(a score, an int map over the glyph's box: 0, 1 … the piece of each ink pixel, −1 elsewhere) for
    cutting `glyph` into `chars` left to right, or None. With `by_shape`, the score is the pieces' mean
    template fit, and the cut is kept when they look like their characters better than the whole looked like
    its label. Without (a script the templates do not show: their fits say nothing), it is 1 − the share of
    the seams' length that crosses ink, and the cut is kept when every seam crosses ink for at most
    MAX_CROSSING of its length: a join, not a stroke."""
    member, ink, back = upright_ink(layout, glyph)
    widths = [expected_zone(c)[2] for c in chars]
    if glyph.bbox[2] - glyph.bbox[0] < max(4, MIN_WIDTH_SHARE * sum(widths) * em_px):
        return None
    whole = _fits(lib, [ink], [glyph.char or chars[0]])[0]
    band = max(2, int(round(SEAM_BAND_EM * em_px)))
    pieces = np.full(ink.shape, -1, np.int32)
    remaining = member.copy()
    fits: List[float] = []
    least = MIN_PIECE_FIT if by_shape else 1.0 - MAX_CROSSING
    for k in range(len(chars) - 1):
        cut = _best_seam(ink, remaining, chars[k:], widths[k:], lib, band, by_shape)
        if cut is None or cut[1][0] < least:
            break  # what is left stays one piece: the next labelling round sees what it holds
        right, piece_fits = cut
        pieces[remaining & ~right] = k
        remaining &= right
        fits += piece_fits if min(piece_fits) >= least else piece_fits[:1]
    if not fits:
        return None
    pieces[remaining] = int(pieces.max()) + 1
    if min(fits) < least or (by_shape and float(np.mean(fits)) <= whole + MIN_GAIN):
        return None
    return float(np.mean(fits)), back(pieces)


def glyph_ink(layout: PageLayout, glyph: Glyph) -> Tuple[np.ndarray, np.ndarray]:
    """Over the glyph's box: which pixels are its ink components', and its ink darkness there (0 elsewhere)."""
    x0, y0, x1, y1 = glyph.bbox
    member = np.isin(layout.ink.components[y0:y1, x0:x1], glyph.components)
    return member, np.where(member, layout.ink.ink[y0:y1, x0:x1], 0.0).astype(np.float32)


def deslant(coverage: np.ndarray, slant: float) -> np.ndarray:
    """Coverage sheared by −slant about its bottom row (each row moved left by tan(slant) × its height above
    the bottom), widened to keep all of it: an italic's stems stand upright.

    >>> leaning = np.zeros((40, 40)); leaning[np.arange(40), 30 - np.arange(40) // 4] = 1  # a stroke at 14°
    >>> sorted({int(np.argmax(row)) for row in deslant(leaning, 14.0)})  # the same column top to bottom
    [30, 31]
    """
    h, w = coverage.shape
    t, offset, reach = _upright_shear(h, slant)
    matrix = np.float32([[1, t, offset], [0, 1, 0]])
    return cv2.warpAffine(coverage.astype(np.float32), matrix, (w + reach, h), flags=cv2.INTER_LINEAR,
                          borderValue=0.0)


def _upright_shear(height: int, slant: float) -> Tuple[float, float, int]:
    """The shear `deslant` applies to `height` rows: column c of row r goes to c + t·r + offset; the sheared
    ink is `reach` columns wider."""
    t = float(np.tan(np.radians(slant)))
    reach = int(np.ceil(abs(t) * height))
    shift = reach if t > 0 else 0  # rows high up move left: room on the left
    return t, shift - t * (height - 1), reach


def upright_ink(layout: PageLayout, glyph: Glyph):
    """`glyph_ink` sheared upright on a slanted page (`detect.page_slant`), so that seams between an italic's
    touching letters run along its slant, as the letters stand; and a function taking a piece map made over
    that ink back to the glyph's box. On an upright page, the ink as it is."""
    member, ink = glyph_ink(layout, glyph)
    slant = page_slant(layout)
    if not slant:
        return member, ink, lambda pieces: pieces
    t, offset, _ = _upright_shear(member.shape[0], slant)
    sheared_ink = deslant(ink, slant)
    sheared_member = deslant(member.astype(np.float32), slant) >= 0.5
    rows, cols = np.nonzero(member)
    at = np.rint(cols + t * rows + offset).astype(int)  # where each ink pixel went

    def back(pieces: np.ndarray) -> np.ndarray:
        out = np.full(member.shape, -1, np.int32)
        width = pieces.shape[1]
        found = np.full(rows.size, -1, np.int32)
        for step in (0, -1, 1, -2, 2):  # a pixel rounded off its sheared piece: the next column's
            c = np.clip(at + step, 0, width - 1)
            here = pieces[rows, c]
            found = np.where(found < 0, here, found)
        out[rows, cols] = np.maximum(found, 0)
        return out

    return sheared_member, sheared_ink, back


def _best_seam(ink, remaining, chars: str, widths, lib, band: int, by_shape: bool = True):
    """The seam cutting `chars[0]` off the left of the `remaining` ink: (right side mask, scores) where the
    scores are the left piece's fit, and the right piece's too when it is the last character (`by_shape`),
    or 1 − the share of the seam that crosses ink."""
    sub = np.where(remaining, ink, 0.0).astype(np.float32)
    cols = np.nonzero(sub.sum(axis=0) > 0)[0]
    if cols.size < 4:
        return None
    lo, hi = int(cols[0]), int(cols[-1]) + 1
    best, best_score = None, -1.0
    for start in seam_starts(sub[:, lo:hi], widths[0] / sum(widths)):
        right = right_of_seam(sub, lo + start, band)
        share = float(sub[right].sum() / max(sub.sum(), 1e-6))
        if not 0.1 < share < 0.9:
            continue
        if not by_shape:
            fits = [1.0 - _crossing(sub, right)]
        else:
            last = len(chars) == 2
            parts = [np.where(~right, sub, 0)] + ([np.where(right, sub, 0)] if last else [])
            fits = _fits(lib, parts, list(chars[:len(parts)]))
        if min(fits) > best_score:
            best, best_score = (right, fits), min(fits)
    return best


def _crossing(ink: np.ndarray, right: np.ndarray) -> float:
    """Share of the inked rows in which the seam (each row's first right-hand column) runs through ink."""
    rows = np.nonzero(ink.max(axis=1) >= 0.5)[0]
    if rows.size == 0:
        return 1.0
    seam = np.argmax(right[rows], axis=1)
    return float(np.mean(ink[rows, seam] >= 0.5))


def _fits(lib: TemplateLibrary, inks, chars) -> List[float]:
    """How well each ink crop looks like its character: correlation with its best template."""
    rasters = np.stack([normalise_raster(x) for x in inks])
    return [float(v) for v in 1.0 - lib.own_shape_costs(rasters, list(chars))]


def seam_starts(ink: np.ndarray, expected_share: float, n_minima: int = 3) -> List[int]:
    """Columns to start seams from: where the characters' typical widths put the boundary, and the columns
    of least ink between 20 % and 80 % of the width.

    >>> ink = np.ones((5, 10), np.float32); ink[:, 6] = 0.1
    >>> seam_starts(ink, 0.5)  # 6, the thinnest, is within reach of the seam from 5
    [5, 2, 7]
    """
    w = ink.shape[1]
    cols = ink.sum(axis=0)
    lo, hi = int(0.2 * w), max(int(0.2 * w) + 1, int(np.ceil(0.8 * w)))
    order = lo + np.argsort(cols[lo:hi], kind="stable")
    starts = [int(round(expected_share * w))]
    for c in order:
        if len(starts) > n_minima:
            break
        if all(abs(int(c) - s) > 1 for s in starts):
            starts.append(int(c))
    return starts


def right_of_seam(ink: np.ndarray, start: int, band: int) -> np.ndarray:
    """Boolean mask of the pixels right of the least-ink top-to-bottom seam within `band` columns of
    `start` (each row's seam column and everything right of it).

    >>> ink = np.ones((4, 6), np.float32); ink[:, 3] = 0
    >>> right_of_seam(ink, 2, band=2)[0].astype(int).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    return right_of_path(seam_paths(ink, [start], band)[0], ink.shape[1])


def right_of_path(path: np.ndarray, width: int) -> np.ndarray:
    """Boolean mask, `width` columns wide, of each row's seam column (`path`, one per row) and all right of it."""
    return np.arange(width)[None, :] >= path[:, None]


def seam_paths(ink: np.ndarray, starts: Sequence[int], band: int) -> np.ndarray:
    """For each start column, the columns (one per row) of the least-ink top-to-bottom seam within `band`
    columns of it: dynamic programming down the rows, one column of sideways step per row at STEP_COST, ties
    to the left. All starts at once (one pass over the rows for all of them: a glyph's seams are many, and a
    pass per seam and row was most of the time of cutting a script's words).

    >>> ink = np.ones((3, 8), np.float32); ink[:, 2] = 0; ink[:, 6] = 0
    >>> seam_paths(ink, [1, 5], band=1).tolist()
    [[2, 2, 2], [6, 6, 6]]
    """
    h, w = ink.shape
    starts = np.asarray(starts, int)
    if len(starts) > SEAMS_AT_ONCE:  # memory: rows × starts × window costs and steps
        return np.concatenate([seam_paths(ink, starts[i:i + SEAMS_AT_ONCE], band)
                               for i in range(0, len(starts), SEAMS_AT_ONCE)])
    c0 = np.maximum(1, starts - band)
    c1 = np.minimum(w - 1, starts + band + 1)
    n = 2 * band + 1
    cols = c0[:, None] + np.arange(n)[None, :]  # each start's window; columns at or past its c1 are walls
    wall = cols >= c1[:, None]
    cost = ink[:, np.minimum(cols, w - 1)]  # rows × starts × window
    cost = np.where(wall[None], np.float32(np.inf), cost)
    total = cost[0].astype(np.float64)
    back = np.zeros((h, len(starts), n), np.int8)
    edge = np.full((len(starts), 1), np.inf)
    for r in range(1, h):
        options = np.stack([np.concatenate([edge, total[:, :-1]], axis=1) + STEP_COST, total,
                            np.concatenate([total[:, 1:], edge], axis=1) + STEP_COST])
        pick = np.argmin(options, axis=0)
        back[r] = pick - 1
        total = np.take_along_axis(options, pick[None], axis=0)[0] + cost[r]
    col = np.argmin(total, axis=1)
    seam = np.zeros((len(starts), h), int)
    which = np.arange(len(starts))
    for r in range(h - 1, -1, -1):
        seam[:, r] = col
        if r:
            col = col + back[r, which, col]
    return seam + c0[:, None]


# ----------------------------------------------------------------------------------------------------------
# letters joined in one piece of ink, as many as the alignment says (glyphseg.label.align_groups' text runs)


HELD_BAND_EM = 0.12  # a seam between joined letters strays at most this far sideways (a script's slant, its joins)
CROSS_WEIGHT = 20.0  # cost of a seam per em of ink it crosses: a join's hairline ~0.7, a stem taken lengthwise ~10
WIDTH_WEIGHT = 4.0  # cost of a piece per squared log of its width against its character's typical share
MIN_WIDTH_RATIO = 0.25  # no piece narrower than this share of its character's typical share of the width
NARROWEST_EM = 0.15  # the narrowest letter's ink (an i, an l)
MAX_POSITIONS = 600  # cut columns tried per glyph (a stride on wider glyphs keeps the search quadratic in this)


def _run_ink(layout: PageLayout, glyph: Glyph, least_columns: int):
    """`upright_ink`'s (member, ink, back) and the ink's first and last column + 1, or None for a glyph whose
    ink spans fewer than `least_columns` columns."""
    member, ink, back = upright_ink(layout, glyph)
    cols = np.nonzero(ink.sum(axis=0) > 0)[0]
    if cols.size < least_columns:
        return None
    return member, ink, back, int(cols[0]), int(cols[-1]) + 1


def cut_held_glyphs(layouts: Sequence[PageLayout], pages: Sequence[Page], glyphs: Sequence[Glyph],
                    held: Sequence[Tuple[int, str]], em_inch: float,
                    lib: Optional[TemplateLibrary] = None) -> Tuple[List[PageLayout], int]:
    """New layouts in which each glyph that the alignment says holds several characters (`held`: glyph index
    into `glyphs`, its characters left to right) is cut into one glyph per character (`cut_into_characters`);
    and how many glyphs were cut. With `lib`, the cut is chosen and kept by the pieces' look (`fitting_cut`)."""
    by_page = {layout.page: layout for layout in layouts}
    cuts: Dict[int, list] = {}
    for i, chars in held:
        g = glyphs[i]
        layout = by_page[g.page]
        em_px = glyph_em_px(layout, g, em_inch, pages[g.page].dpi)
        if lib is None:
            pieces = cut_into_characters(layout, g, chars, em_px)
        else:
            pieces = fitting_cut(layout, g, chars, lib, em_px)
        if pieces is not None:
            cuts.setdefault(g.page, []).append((g, pieces))
    out = [split_glyphs(layout, cuts.get(layout.page, [])) for layout in layouts]
    return out, sum(len(v) for v in cuts.values())


def fitting_cut(layout: PageLayout, glyph: Glyph, chars: str, lib: TemplateLibrary,
                em_px: float) -> Optional[np.ndarray]:
    """The piece map of the best-fitting cut (`cut_by_fit`) of `glyph` into `chars`, or into `chars` less their
    first or last character, among those whose pieces each look like their character (MIN_PIECE_FIT) and
    together better than the whole glyph looked like the first one; None where none does. The alignment that
    says what a glyph holds sees no shapes inside it: beside another merged glyph it can give it one character
    of its neighbour's, and the pieces then tell."""
    _, printed = glyph_ink(layout, glyph)
    whole: Dict[str, float] = {}  # the whole glyph's fit to a run's first character
    best: Tuple[float, Optional[np.ndarray]] = (-1.0, None)
    for run in dict.fromkeys([chars, chars[:-1], chars[1:]]):
        cut = cut_by_fit(layout, glyph, run, lib, em_px) if len(run) >= 2 else None
        if cut is None or min(cut[0]) < MIN_PIECE_FIT:
            continue
        if run[0] not in whole:
            whole[run[0]] = _fits(lib, [printed], [run[0]])[0]
        mean = float(np.mean(cut[0]))
        if mean > whole[run[0]] and mean > best[0]:
            best = (mean, cut[1])
    return best[1]


class _Seams:
    """Seams through a glyph's ink (`seam_paths`, over `upright_ink`'s ink from column `lo`), each drawn once
    however many starts lead to it; the pieces between two of them, on the ink as printed (the templates hold
    italics as they lean); and the piece map a chosen set of them cuts."""

    def __init__(self, layout: PageLayout, glyph: Glyph, member, ink, back, lo: int):
        self.member, self.ink, self.back, self.lo = member, ink, back, lo
        self.member_printed, self.ink_printed = glyph_ink(layout, glyph)
        self.rights: Dict[object, np.ndarray] = {}  # seam key → the ink right of it (upright)
        self._printed: Dict[object, np.ndarray] = {}  # ... and the printed pixels right of it
        self._by_path: Dict[tuple, object] = {}
        self._canonical: Dict[object, object] = {}

    def draw_many(self, seams) -> list:
        """For each (key, start, band) of `seams`, the seam from column `start` within `band`: the key of the first
        seam drawn along the same path. The new ones of a band are found together (`seam_paths`)."""
        new: Dict[int, list] = {}
        queued = set()
        for key, start, band in seams:
            if key not in self._canonical and key not in queued:
                queued.add(key)
                new.setdefault(band, []).append((key, start))
        for band, items in new.items():
            paths = seam_paths(self.ink, [self.lo + start for _, start in items], band)
            for (key, _), path in zip(items, paths):
                first = self._by_path.setdefault(tuple(path.tolist()), key)
                self._canonical[key] = first
                if first == key:
                    right = right_of_path(path, self.ink.shape[1])
                    self.rights[key] = right & self.member
                    # the printed ink right of it: on an upright page `back` is the identity, and `right` a
                    # region of the box, background included (a piece's extent must be its ink's: recognition
                    # reads it)
                    self._printed[key] = (self.back(right.astype(np.int32)) == 1) & self.member_printed
        return [self._canonical[key] for key, _, _ in seams]

    def piece(self, left, right) -> np.ndarray:
        """The printed ink between two seams (None: the glyph's edge)."""
        mask = self._printed[left] if left is not None else self.member_printed
        return mask & ~self._printed[right] if right is not None else mask

    def piece_map(self, chosen) -> np.ndarray:
        """The piece map (0, 1 … left to right, −1 off the ink) over the glyph's box that the seams cut."""
        pieces = np.full(self.ink.shape, -1, np.int32)
        pieces[self.member] = 0
        for key in chosen:
            pieces[self.rights[key]] += 1
        return self.back(pieces)


FIT_WEIGHT = 5.0  # cost of a piece per unit of template misfit (1 − correlation): a piece fitting 0.6 instead
#                   of 0.9 costs as much as a seam through two hairlines
SEAM_REACH = 0.75  # a seam is sought this share of the characters' mean width either side of where their widths
#                    put it
SEAMS_TRIED = 6  # the least-ink seams tried per cut


def cut_by_fit(layout: PageLayout, glyph: Glyph, chars: str, lib: TemplateLibrary,
               em_px: float) -> Optional[Tuple[List[float], np.ndarray]]:
    """(each piece's template fit, the piece map as `cut_into_characters` gives it) for cutting `glyph` into
    exactly `chars`, or None when it is too narrow to hold them. As `cut_into_characters`, all cuts are chosen
    together, by dynamic programming over cut columns, from the ink each seam crosses and each piece's width
    against its character's typical share; and here also from how well each piece looks like its character
    (its template fit, `FIT_WEIGHT`). The seams tried for each cut are the SEAMS_TRIED thinnest (local minima of
    `seam_costs`) within SEAM_REACH of where the widths put it, and the widths' own column: fits are measured
    only for pieces between two of them. Where a run's widths are unlike the zone table's (a narrow round
    letter, a wide r), the thinnest seams alone put a cut in the middle of a letter; its pieces' fits do not."""
    k = len(chars)
    run = _run_ink(layout, glyph, 2 * k) if k >= 2 else None
    if run is None:
        return None
    member, ink, back, lo, hi = run
    w = hi - lo
    narrow = max(2, int(round(SEAM_BAND_EM * em_px)))
    wide = max(narrow, int(round(HELD_BAND_EM * em_px)))
    crossing = {band: CROSS_WEIGHT * seam_costs(ink[:, lo:hi], band) / max(em_px, 1.0) for band in {narrow, wide}}
    widths = np.array([expected_zone(c)[2] for c in chars], float)
    target = widths / widths.sum() * w
    reach = SEAM_REACH * float(target.mean())
    spacing = max(1, int(round(0.02 * em_px)))  # minima closer than this lead to the same seam
    lowest = crossing[wide] == minimum_filter1d(crossing[wide], 2 * spacing + 1, mode="nearest")
    seams = _Seams(layout, glyph, member, ink, back, lo)
    candidates = []  # per cut: seams, as (start column of the ink's lo … hi, band)
    for b in np.cumsum(target)[:-1]:
        a0, a1 = max(1, int(b - reach)), min(w - 1, int(np.ceil(b + reach)) + 1)
        # the thinnest seams, free to stray around an overhang (an italic f's tail over its neighbours), and
        # straighter seams spread evenly across the reach: where the ink is alike throughout (a plateau of thin
        # joins, where the free seams all run down the same valley), a letter's edge is found by its fit alone
        minima = [a0 + int(i) for i in np.nonzero(lowest[a0:a1])[0]]
        kept: List[int] = []
        for c in sorted(minima, key=lambda c: crossing[wide][c]):
            if len(kept) == SEAMS_TRIED:
                break
            if all(abs(c - q) > spacing for q in kept):
                kept.append(c)
        even = np.linspace(a0, a1 - 1, SEAMS_TRIED * 2).round().astype(int)
        keys = [(c, wide) for c in kept] + [(int(c), narrow) for c in even]
        candidates.append(sorted(set(seams.draw_many([(key, *key) for key in keys]))))

    def width_cost(span: float, t: float) -> float:
        if span < MIN_WIDTH_RATIO * t:
            return np.inf
        return WIDTH_WEIGHT * float(np.log(max(span, 1.0) / t)) ** 2

    def piece_costs(pairs, n):
        """Cost and fit of piece n between each (left seam, right seam) pair (None: the glyph's edge)."""
        spans = [(q[0] if q is not None else w) - (p[0] if p is not None else 0) for p, q in pairs]
        masks = [seams.piece(p, q) for p, q in pairs]
        ok = [i for i, (span, m) in enumerate(zip(spans, masks))
              if np.isfinite(width_cost(span, target[n])) and m.any()]
        out = [(np.inf, 0.0)] * len(pairs)
        if ok:
            fits = _fits(lib, [np.where(masks[i], seams.ink_printed, 0.0) for i in ok], [chars[n]] * len(ok))
            for i, fit in zip(ok, fits):
                out[i] = (width_cost(spans[i], target[n]) + FIT_WEIGHT * (1.0 - fit), fit)
        return out

    def seam_cost(q) -> float:
        return float(crossing[q[1]][q[0]]) if q is not None else 0.0

    # best[seam] = (cost of the pieces left of it and their seams, their fits, the seams chosen)
    best = {q: (cost + seam_cost(q), [fit], [q])
            for q, (cost, fit) in zip(candidates[0], piece_costs([(None, q) for q in candidates[0]], 0))}
    for n in range(1, k):
        last = n == k - 1
        pairs = [(p, q) for p in best for q in ([None] if last else candidates[n]) if q is None or q[0] > p[0]]
        ahead: Dict[Optional[Tuple[int, int]], tuple] = {}
        for (p, q), (cost, fit) in zip(pairs, piece_costs(pairs, n)):
            total = best[p][0] + cost + seam_cost(q)
            if total < ahead.get(q, (np.inf,))[0]:
                ahead[q] = (total, best[p][1] + [fit], best[p][2] + ([q] if q is not None else []))
        best = ahead
        if not best:
            return None
    total, fits, chosen = best[None]
    if not np.isfinite(total):
        return None
    return fits, seams.piece_map(chosen)


READ_STEP_EM = 0.06  # without a transcript, seams are tried at least this often along a glyph ...
WIDEST_EM = 1.2  # ... no piece is wider than a letter can be (JOINED_EM) ...
READ_MOST = 8  # ... and a glyph is cut into at most this many, and only up to this many letters wide (a line of
#                a connected script, one piece of ink, is left whole: no transcript says what it holds)


def cut_unread_glyphs(layouts: Sequence[PageLayout], pages: Sequence[Page], glyphs: Sequence[Glyph],
                      shape_cost: np.ndarray, em_inch: float, lib: TemplateLibrary, zone_costs,
                      min_fit: float, min_score: float = 0.0, joined_em: Optional[float] = None,
                      tried: Optional[set] = None) -> Tuple[List[PageLayout], int]:
    """Without a transcript, segmentation by recognition: each glyph that fits no template well (its best fit,
    1 − min of `shape_cost`'s row over the library's characters, under `min_fit`) or that recognition reads
    unsurely (its score under `min_score`), and is wide enough for two letters, is cut where every piece reads
    as a letter that fits at least `min_fit`, the pieces fit better than the whole did (MIN_GAIN), and each
    reads more surely than the whole reads as any one letter (`templates.recognise`' cost): touching letters of
    a tight setting, which read as no single letter.

    With `joined_em`, on pages whose letters the templates read only in part, the glyphs tried are instead
    those at least `joined_em` wide, whatever they read as (no letter is that wide: letters joined), and a cut
    is taken where its pieces fit at least `min_fit` and read more surely than the whole, both on average; `tried`
    (a set the caller keeps between rounds) holds the (id, box) of the glyphs tried already, which are not
    tried again. `zone_costs(zones, chars)` prices where ink sits (glyphseg.label.match_costs). New layouts,
    and how many glyphs were cut."""
    by_page = {layout.page: layout for layout in layouts}
    cuts: Dict[int, list] = {}
    all_chars = "".join(lib.chars)
    for i, g in enumerate(glyphs):
        whole = 1.0 - float(shape_cost[i].min())
        layout = by_page[g.page]
        em_px = glyph_em_px(layout, g, em_inch, pages[g.page].dpi)
        ext = layout.extents[g.id]
        if tried is not None and (g.id, g.bbox) in tried:  # the same glyph as in an earlier round: cut or refused
            continue
        # no letter fits it, or recognition is unsure what it reads: touching f f i has an m's shape (0.85) and
        # reads as m at 0.3, a t touching an i as ú
        if joined_em is None:
            unread = whole < min_fit or g.score < min_score
            if not unread or not 2 * NARROWEST_EM * em_px <= ext[2] - ext[0] <= READ_MOST * WIDEST_EM * em_px:
                continue
        elif (not joined_em * em_px <= ext[2] - ext[0] <= READ_MOST * WIDEST_EM * em_px
              or reaches_other_lines(layout, g, em_inch * pages[g.page].dpi)):
            continue  # (no single letter is `joined_em` wide; letters of two lines in one piece that
            #            `cut_between_lines` left whole: cut top to bottom, they would become slices through both)
        if tried is not None:
            tried.add((g.id, g.bbox))
        # (a glyph known to hold several letters: one piece may be a shape no template has, a ligature's ff, a
        # swash, as long as the pieces fit on average)
        cut = cut_by_reading(layout, g, lib, em_px, zone_costs, min_fit, READ_MOST if joined_em is None else None,
                             every_piece=joined_em is None)
        if cut is None or (joined_em is None and float(np.mean(cut[0])) < whole + MIN_GAIN):
            continue
        # recognition's cost (shape and ink zone) of the whole as any one character
        whole_cost = float(np.min(SHAPE_WEIGHT * shape_cost[i]
                                  + zone_costs([extent_zone(layout, g, ext, em_px)], all_chars)[0]))
        # Each piece reads as its letter more surely than the whole reads as any one character: an italic n or a
        # whose shape the templates half know fits r t or c t better in pieces, but one of them (the t) sits where
        # no t would; a % reads as 0 l l 0. A glyph too wide for one letter holds several whatever they read as:
        # its pieces need only read more surely on average (a script's or Fraktur's pieces read at 2-5, the whole
        # word at 7-17).
        if (max(cut[3]) if joined_em is None else float(np.mean(cut[3]))) < whole_cost:
            cuts.setdefault(g.page, []).append((g, cut[2]))
    out = [split_glyphs(layout, cuts.get(layout.page, [])) for layout in layouts]
    return out, sum(len(v) for v in cuts.values())


OTHER_LINE_INK = 0.25  # a glyph with this share of its ink in another line's x-height holds letters of that line


def reaches_other_lines(layout: PageLayout, glyph: Glyph, em_px: float) -> bool:
    """Whether the glyph holds letters of another line too: that line runs beside or under it (a glyph of it
    within an em of its columns) and at least OTHER_LINE_INK of the glyph's ink lies in that line's x-height
    (from its baseline half an em up, `em_px` times the line's size), as when a descender of one line touches
    an ascender of the next and the letters of both make one piece. (A display word's swash reaching up into the
    line above holds a few percent of its ink there.)

    >>> from glyphseg.types import InkMap, Line
    >>> comps = np.zeros((100, 100), np.int32)
    >>> comps[22:40, 0:30], comps[72:90, 60:90], comps[22:90, 35:55] = 1, 2, 3  # c: a stroke through both lines
    >>> ink = InkMap(ink=(comps > 0).astype(np.float32), binary=comps > 0, components=comps)
    >>> a, b, c = (Glyph(n, 0, box, (k,), line=ln) for n, box, k, ln in
    ...            [("a", (0, 22, 30, 40), 1, 0), ("b", (60, 72, 90, 90), 2, 1), ("c", (35, 22, 55, 90), 3, 0)])
    >>> lines = [Line(0, 0, ["a", "c"], 0.0, baseline_offset=40.0), Line(0, 1, ["b"], 0.0, baseline_offset=90.0)]
    >>> lay = PageLayout(0, ink, [a, b, c], lines, 20.0, 0.0, {}, {})
    >>> reaches_other_lines(lay, a, 40.0), reaches_other_lines(lay, c, 40.0)
    (False, True)
    """
    x0, y0, x1, y1 = glyph.bbox
    middle = (x0 + x1) / 2
    by_id = {g.id: g for g in layout.glyphs}
    rows = None
    for k, line in enumerate(layout.lines):
        if k == glyph.line:
            continue
        if not any(by_id[i].bbox[0] < x1 + em_px and by_id[i].bbox[2] > x0 - em_px
                   for i in line.glyph_ids if i in by_id and i != glyph.id):
            continue
        base = line.baseline_y(middle)
        if base <= y0 or base - 0.5 * em_px * line.size >= y1:
            continue
        if rows is None:
            rows = glyph_ink(layout, glyph)[1].sum(axis=1)
        if _x_height_share(rows, y0, line, middle, em_px) >= OTHER_LINE_INK:
            return True
    return False


MIN_LINE_PIECE = 0.15  # each side of a cut between two lines holds at least this share of the glyph's ink
LINE_SIZE_RATIO = 1.5  # ... and the two lines' sizes are within this factor of each other ...
MIN_LINE_LETTERS = 3  # ... and the other line holds at least this many other glyphs of a letter's height


def cut_between_lines(layouts: Sequence[PageLayout], pages: Sequence[Page], em_inch: float
                      ) -> Tuple[List[PageLayout], int]:
    """Glyphs that hold letters of two lines (a descender of one touching an ascender of the next: tight
    leading, a worn print) cut apart along the least-ink seam between the two: from the upper line's baseline
    down to the lower line's x-height (half an em above its baseline), left to right (`seam_paths` on the
    transposed ink). Ink above the seam stays in the upper line, the rest goes to the lower one; each side
    must hold MIN_LINE_PIECE of the ink, at least OTHER_LINE_INK of its ink must lie in the x-height of each
    line (`reaches_other_lines`' test, both ways), the lines' sizes be within LINE_SIZE_RATIO, and the other
    line hold MIN_LINE_LETTERS glyphs at least half the page's text height. Later cuts split each side into
    its letters. A long descender that runs into the next line's letters (a secretary hand's f) keeps only
    what lies above the seam. Returns the new layouts and how many glyphs were cut."""
    out, count = [], 0
    for layout in layouts:
        dpi = pages[layout.page].dpi
        cuts, moves = [], {}
        by_id = {g.id: g for g in layout.glyphs}
        text_lines = {k for k, line in enumerate(layout.lines)  # no umlaut's dots found as a "line" (Kant p.17)
                      if sum(by_id[i].height >= 0.5 * layout.text_height for i in line.glyph_ids if i in by_id)
                      >= MIN_LINE_LETTERS}
        for g in layout.glyphs:
            if not 0 <= g.line < len(layout.lines):
                continue
            cut = _cut_between(layout, g, em_inch * dpi, text_lines)
            if cut is not None:
                pieces, other_line, moving = cut
                cuts.append((g, pieces))
                moves[g.id] = (other_line, moving)
        if cuts:
            layout = _moved_pieces(split_glyphs(layout, cuts), moves)
            count += len(cuts)
        out.append(layout)
    return out, count


def _x_height_share(rows: np.ndarray, y0: int, line: Line, middle: float, em_px: float) -> float:
    """The share of a glyph's ink (`rows`: its ink summed along each row, from page row `y0`) in the line's
    x-height at page column `middle`: from its baseline half an em (times its size) up."""
    base = line.baseline_y(middle)
    top = base - 0.5 * em_px * line.size
    band = rows[max(0, int(round(top)) - y0):max(0, int(round(base)) - y0)]
    return float(band.sum()) / max(float(rows.sum()), 1e-6)


def _cut_between(layout: PageLayout, glyph: Glyph, em_px: float, text_lines: set):
    """(the piece map: 0 above the seam, 1 below; the other line's index; which piece goes to it), or None.
    `text_lines`: the lines that may be the other line (of its own block: a name card's beside it is none)."""
    x0, y0, x1, y1 = glyph.bbox
    middle = (x0 + x1) / 2
    own = layout.lines[glyph.line]
    if y1 - y0 < 0.5 * em_px * own.size:  # too short to reach from one line's x-height into another's
        return None
    member, ink = glyph_ink(layout, glyph)
    rows = ink.sum(axis=1)
    if _x_height_share(rows, y0, own, middle, em_px) < OTHER_LINE_INK:
        return None
    own_base = own.baseline_y(middle)
    for k, line in enumerate(layout.lines):
        if (k == glyph.line or k not in text_lines
                or line.block != own.block
                or max(line.size, own.size) > LINE_SIZE_RATIO * min(line.size, own.size)
                or _x_height_share(rows, y0, line, middle, em_px) < OTHER_LINE_INK):
            continue  # (a "line" of another size: a row of quotes or specks over a line, or another text)
        base = line.baseline_y(middle)
        upper, lower = (own, line) if own_base < base else (line, own)
        # the seam runs between the upper line's baseline and the lower line's x-height
        top = int(round(upper.baseline_y(middle))) - y0
        bottom = int(round(lower.baseline_y(middle) - 0.5 * em_px * lower.size)) - y0
        top, bottom = max(top, 0), min(bottom, y1 - y0)
        if bottom - top < 3:  # seam_paths keeps a seam off the band's first and last row
            continue
        band = ink[top:bottom].T  # columns as rows: a left-to-right seam
        half = (bottom - top) // 2
        rows_of_seam = seam_paths(band, [half], half)[0] + top  # the seam's row in each column
        below = np.arange(y1 - y0)[:, None] > rows_of_seam[None, :]
        share = float(ink[below].sum()) / max(float(ink.sum()), 1e-6)
        if not MIN_LINE_PIECE <= share <= 1 - MIN_LINE_PIECE:
            continue
        pieces = np.where(member, below.astype(np.int32), -1)
        return pieces, k, 1 if upper is own else 0  # the piece that goes to line k: the lower, or the upper
    return None


def _moved_pieces(layout: PageLayout, moves: Dict[str, Tuple[int, int]]) -> PageLayout:
    """The layout with the piece of each cut glyph that belongs to the other line moved to it (`moves`: the
    glyph's id → (that line's index, which piece: 0 the one that kept the id, 1 the one after it)), placed
    among that line's glyphs by where it stands."""
    by_id = {g.id: g for g in layout.glyphs}
    moved: Dict[str, int] = {}
    for line in layout.lines:
        for n, gid in enumerate(line.glyph_ids):
            if gid in moves:
                other, which = moves[gid]
                moved[gid if which == 0 else line.glyph_ids[n + 1]] = other

    def centre(gid):
        return by_id[gid].bbox[0] + by_id[gid].bbox[2]

    lines = []
    for k, line in enumerate(layout.lines):
        ids = [gid for gid in line.glyph_ids if gid not in moved]
        for gid in sorted((gid for gid, other in moved.items() if other == k), key=centre):
            at = next((n for n, other in enumerate(ids) if centre(other) > centre(gid)), len(ids))
            ids.insert(at, gid)
        lines.append(replace(line, glyph_ids=ids))
    glyphs = {g.id: replace(g, line=moved[g.id]) if g.id in moved else g for g in layout.glyphs}
    # the page's glyphs in reading order, line after line, as detection gives them (the alignment reads them so)
    in_lines = [gid for line in lines for gid in line.glyph_ids]
    lined = set(in_lines)
    rest = [g for g in layout.glyphs if g.id not in lined]
    return replace(layout, glyphs=[glyphs[gid] for gid in in_lines] + rest, lines=lines)


def is_letter(char: str) -> bool:
    """A letter or a digit (not a mark, nor a raised ordinal like º).

    >>> [c for c in "aß1º,'" if is_letter(c)]
    ['a', 'ß', '1']
    """
    return unicodedata.category(char) in ("Lu", "Ll", "Nd")


def cut_by_reading(layout: PageLayout, glyph: Glyph, lib: TemplateLibrary, em_px: float, zone_costs,
                   min_fit: float, most: Optional[int] = READ_MOST, every_piece: bool = True
                   ) -> Optional[Tuple[List[float], List[str], np.ndarray, List[float]]]:
    """(each piece's template fit, the character it reads as, the piece map as `cut_into_characters` gives it,
    each piece's reading cost) for the cut of `glyph` into the pieces that read best, each as recognition reads
    a glyph (template fit and where its ink sits, `templates.recognise`'s cost), or None where it stays whole.
    As `cut_by_fit`, seams run through the least ink near their start; they start at the thinnest columns and
    every READ_STEP_EM, and all are chosen together (dynamic programming over the seams, pieces at most
    WIDEST_EM wide), into at most `most` pieces (None: as many letters as the glyph's width holds at NARROWEST_EM
    each), of which every one fits its letter at least `min_fit` (`every_piece`), or on average."""
    run = _run_ink(layout, glyph, 4)
    if run is None:
        return None
    member, ink, back, lo, hi = run
    w = hi - lo
    band = max(2, int(round(SEAM_BAND_EM * em_px)))
    crossing = CROSS_WEIGHT * seam_costs(ink[:, lo:hi], band) / max(em_px, 1.0)
    spacing = max(1, int(round(0.03 * em_px)))
    lowest = np.nonzero(crossing == minimum_filter1d(crossing, 2 * spacing + 1, mode="nearest"))[0]
    step = max(1, int(round(READ_STEP_EM * em_px)))
    starts = sorted({int(c) for c in lowest if 0 < c < w} | set(range(step, w, step)))
    drawn = _Seams(layout, glyph, member, ink, back, lo)
    seams = sorted(set(drawn.draw_many([(c, c, band) for c in starts])))
    rows, cols_p = np.nonzero(drawn.member_printed)
    if rows.size == 0:
        return None
    top, left = int(rows.min()), int(cols_p.min())
    ext = layout.extents[glyph.id]
    chars = [c for c in lib.chars if is_letter(c)]  # tight tracking joins letters; marks stand apart (and an
    #                                                italic's entry stroke or tail reads as a quote or a comma)
    narrowest, widest = 0.5 * NARROWEST_EM * em_px, WIDEST_EM * em_px

    def readings(pairs):
        """Cost, fit and character of the best reading of the piece between each (left, right) seam pair."""
        masks = [drawn.piece(p, q) for p, q in pairs]
        out = [(np.inf, 0.0, "")] * len(pairs)
        ok = [k for k, m in enumerate(masks) if m.any()]
        if not ok:
            return out
        zones, crops = [], []
        for k in ok:
            r = np.flatnonzero(masks[k].any(axis=1))
            c = np.flatnonzero(masks[k].any(axis=0))
            r0, r1, c0, c1 = int(r[0]), int(r[-1]) + 1, int(c[0]), int(c[-1]) + 1
            # the piece's extent on the line, from the glyph's (small angles)
            zones.append(extent_zone(layout, glyph, (ext[0] + c0 - left, ext[1] + r0 - top,
                                                      ext[0] + c1 - left, ext[1] + r1 - top), em_px))
            crops.append(np.where(masks[k][r0:r1, c0:c1], drawn.ink_printed[r0:r1, c0:c1], 0.0))
        rasters = np.stack([normalise_raster(crop) for crop in crops])
        shape = lib.shape_costs(rasters, chars)
        cost = SHAPE_WEIGHT * shape + zone_costs(zones, "".join(chars))
        best = np.argmin(cost, axis=1)
        for n, k in enumerate(ok):
            out[k] = (float(cost[n, best[n]]), 1.0 - float(shape[n, best[n]]), chars[best[n]])
        return out

    ends = seams + [w]
    pairs = [(p, q) for p in [None] + seams for q in ends
             if narrowest <= q - (p if p is not None else 0) <= widest]
    if not pairs:
        return None
    read = dict(zip(pairs, readings([(p, None if q == w else q) for p, q in pairs])))
    # by[n][seam] = (cost of the n pieces left of it, their fits, their characters, the seams chosen): one best cut
    # per number of pieces, for a cut into more pieces costs more readings than one into fewer
    by: List[Dict[Optional[int], tuple]] = [{None: (0.0, [], [], [], [])}]
    cuts = []
    most = int(w / (NARROWEST_EM * em_px)) + 1 if most is None else most
    while by[-1] and len(by) <= min(most, int(w / narrowest) + 1):
        ahead: Dict[Optional[int], tuple] = {}
        for (p, q), (cost, fit, ch) in read.items():
            if p not in by[-1] or not np.isfinite(cost):
                continue
            before = by[-1][p]
            total = before[0] + cost + (float(crossing[q]) if q != w else 0.0)
            if total < ahead.get(q, (np.inf,))[0]:
                ahead[q] = (total, before[1] + [fit], before[2] + [ch], before[3] + ([q] if q != w else []),
                            before[4] + [cost])
        if w in ahead and len(ahead[w][1]) >= 2:
            cuts.append(ahead.pop(w))
        ahead.pop(w, None)
        by.append(ahead)
    kept = [c for c in cuts if (min(c[1]) if every_piece else float(np.mean(c[1]))) >= min_fit]
    if not kept:
        return None
    # the cut whose pieces read best on average, by what they cost (shape, zone and the seams' ink), not by their
    # fit alone: "ili" read as i l I i fits a little better (0.965 against 0.957), but its I is the l's stem cut
    # lengthwise (reading cost 12.2) and costs 3.9 a piece against 1.0
    _, fits, read_as, chosen, costs = min(kept, key=lambda c: c[0] / len(c[1]))
    return fits, read_as, drawn.piece_map(chosen), costs


JOINED_EM = 1.2  # a glyph at least this wide (em) is letters joined: no single letter is (a W is ~1.0)
TOUCHING_EM = 0.8  # on pages whose shapes the templates know only in part, a glyph at least this wide may be
#                    touching letters (blackletter at its own spacing: T U V as one piece is 1.1 em, X Y 0.8)


def joined_letter_counts(layouts: Sequence[PageLayout], pages: Sequence[Page], glyphs: Sequence[Glyph],
                         em_inch: float, joined_em: float = JOINED_EM) -> List[int]:
    """How many letters each glyph may hold: as many as fit its width at NARROWEST_EM each, for glyphs at
    least `joined_em` wide; 1 for the others (a wide capital is one letter however many its width would
    hold: the alignment cannot tell letters apart by their zones alone on a script page)."""
    by_page = {layout.page: layout for layout in layouts}
    out = []
    for g in glyphs:
        layout = by_page[g.page]
        ext = layout.extents[g.id]
        width_em = (ext[2] - ext[0]) / glyph_em_px(layout, g, em_inch, pages[g.page].dpi)
        out.append(1 if width_em < joined_em else int(width_em / NARROWEST_EM))
    return out


def cut_into_characters(layout: PageLayout, glyph: Glyph, chars: str, em_px: float) -> Optional[np.ndarray]:
    """An int map over the glyph's box (0 … len(chars) − 1: the piece of each ink pixel, −1 elsewhere) that
    cuts it into exactly its characters, or None when it is too narrow to hold them. All cuts are chosen
    together (dynamic programming over cut columns): each seam costs the ink it crosses (`seam_costs`), each
    piece how far its width strays from its character's typical share of the glyph's width (the zone table's
    ink widths, scaled to the glyph: a script's joins and the page's size need no measuring). A seam's ink goes
    to the right-hand piece, as in `best_cuts`."""
    k = len(chars)
    run = _run_ink(layout, glyph, 2 * k) if k >= 2 else None
    if run is None:
        return None
    member, ink, back, lo, hi = run
    band = max(2, int(round(HELD_BAND_EM * em_px)))
    crossing = CROSS_WEIGHT * seam_costs(ink[:, lo:hi], band) / max(em_px, 1.0)
    starts = held_cut_columns(crossing, np.array([expected_zone(c)[2] for c in chars]))
    pieces = np.full(ink.shape, -1, np.int32)
    pieces[member] = 0
    right = member.copy()
    for path in seam_paths(ink, lo + np.asarray(starts, int), band):  # (the seams do not depend on each other)
        right &= right_of_path(path, ink.shape[1])
        pieces[right] += 1
    used = np.unique(pieces[member])  # a seam may leave a piece without ink: number the rest 0, 1, …
    if len(used) < 2:
        return None
    pieces[member] = np.searchsorted(used, pieces[member])
    return back(pieces)


def held_cut_columns(crossing: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """The k − 1 columns (of len(crossing)) at which to cut a glyph into k pieces whose typical widths are
    `widths`: least total seam cost (`crossing`, per column) plus width cost.

    >>> crossing = np.full(30, 5.0); crossing[[10, 20]] = 0.0  # thin joins at 10 and 20
    >>> held_cut_columns(crossing, np.array([0.4, 0.5, 0.4])).tolist()
    [10, 20]
    """
    w = len(crossing)
    target = widths / widths.sum() * w
    stride = max(1, w // MAX_POSITIONS)
    pos = np.arange(stride, w, stride)

    def width_cost(span, t):
        span = np.asarray(span, float)
        out = WIDTH_WEIGHT * np.log(np.maximum(span, 1.0) / t) ** 2
        return np.where(span < MIN_WIDTH_RATIO * t, np.inf, out)

    total = width_cost(pos, target[0]) + crossing[pos]
    back = []
    for t in target[1:-1]:
        step = total[:, None] + width_cost(pos[None, :] - pos[:, None], t)  # from cut q (rows) to cut p (columns)
        arg = np.argmin(step, axis=0)
        total = step[arg, np.arange(len(pos))] + crossing[pos]
        back.append(arg)
    p = int(np.argmin(total + width_cost(w - pos, target[-1])))
    chosen = [p]
    for arg in reversed(back):
        p = int(arg[p])
        chosen.append(p)
    return pos[chosen[::-1]]


def seam_costs(ink: np.ndarray, band: int) -> np.ndarray:
    """For each column, the ink crossed by the least-ink top-to-bottom seam within `band` columns of it (as
    `seam_paths` draws it, for all columns at once): where a cut there would cost least.

    >>> ink = np.ones((4, 6), np.float32); ink[:, 3] = 0
    >>> seam_costs(ink, 1).tolist()
    [4.0, 4.0, 0.0, 0.0, 0.0, 4.0]
    """
    h, w = ink.shape
    padded = np.pad(ink.astype(np.float64), ((0, 0), (band, band)), constant_values=np.inf)
    window = np.arange(w)[:, None] + np.arange(2 * band + 1)[None, :]
    total = padded[0][window]
    edge = np.full((w, 1), np.inf)
    for r in range(1, h):
        left = np.concatenate([edge, total[:, :-1]], axis=1) + STEP_COST
        right = np.concatenate([total[:, 1:], edge], axis=1) + STEP_COST
        total = np.minimum(np.minimum(left, total), right) + padded[r][window]
    return total.min(axis=1)


# ----------------------------------------------------------------------------------------------------------
# the other way: pieces of one letter that thin ink broke apart


MAX_BREAK_EM = 0.12  # pieces of one broken letter lie at most this far apart along the line, in em
MAX_PIECES = 3  # a letter broken into at most this many pieces (an m's three stems)
MERGE_COST = 4.0  # alignment cost of taking several detections as one character: as much as leaving one out
MIN_PIECE_HEIGHT = 0.25  # each piece at least this share of the run's height ...
MIN_PIECE_INK = 0.08  # ... and of its ink: dust beside a letter is not a piece of it
MAX_JOINED_WIDTH = 1.3  # the joined run at most this share of the character's typical ink width (+0.05 em)


def piece_group_costs(layouts: Sequence[PageLayout], pages: Sequence[Page], glyphs: Sequence[Glyph], text: str,
                      lib: TemplateLibrary, em_inch: float, zone_costs,
                      cache: Optional[dict] = None) -> List[np.ndarray]:
    """For the alignment (glyphseg.label.align_groups): the cost of each run of 2 … MAX_PIECES consecutive
    glyphs together being each character of `text` — their joined ink's zone cost (`zone_costs`,
    glyphseg.label.match_costs) plus its template shape cost, plus MERGE_COST; inf where the run cannot be
    one letter (not on one line, gaps wider than a break, a piece too small to be more than dust).

    `cache` (a dict the caller keeps between labelling rounds) keeps each run's joined ink extent and raster
    while its page's component map is the same one: most runs are the same from round to round, and their
    rasters were most of a round's time on a sheet with many rounds."""
    by_page = {layout.page: layout for layout in layouts}
    out = []
    for k in range(2, MAX_PIECES + 1):
        cost = np.full((len(glyphs), len(text)), np.inf)
        rows, rasters, zones = [], [], []
        for i in range(len(glyphs) - k + 1):
            run = glyphs[i:i + k]
            layout = by_page[run[0].page]
            em_px = glyph_em_px(layout, run[0], em_inch, pages[run[0].page].dpi)
            if not may_be_one_letter(layout, run, em_px):
                continue
            joined, extent, raster = _joined_run(layout, run, cache)
            rows.append(i)
            rasters.append(raster)
            zones.append(extent_zone(layout, joined, extent, em_px))
        if rows:
            cost[rows] = zone_costs(zones, text) + SHAPE_WEIGHT * lib.shape_costs(np.stack(rasters), text) + MERGE_COST
            # no wider than the character can be: two whole letters side by side are not one broken letter
            typical = np.array([expected_zone(c)[2] for c in text])
            too_wide = np.array([z.width for z in zones])[:, None] > MAX_JOINED_WIDTH * typical[None, :] + 0.05
            cost[rows] = np.where(too_wide, np.inf, cost[rows])
        out.append(cost)
    return out


def _joined_run(layout: PageLayout, run: Sequence[Glyph], cache: Optional[dict]):
    """The run's glyphs as one (the first's record with all their ink), its ink extent and its template raster;
    from `cache` while the page's component map and angle are the ones they were computed on (a cut relabels
    components on a new map: then the page's entries are dropped)."""
    if cache is not None:
        held = cache.get(layout.page)
        if held is None or held[0] is not layout.ink.components or held[1] != layout.angle:
            held = cache[layout.page] = (layout.ink.components, layout.angle, {})
        key = tuple(tuple(g.components) for g in run)
        if key in held[2]:
            bbox, components, extent, raster = held[2][key]
            return replace(run[0], bbox=bbox, components=components), extent, raster
    joined, extent = run[0], layout.extents[run[0].id]
    for g in run[1:]:
        joined, extent = joined_glyph(layout, joined, g, gid=run[0].id)
    raster = glyph_rasters([joined], [layout])[0]
    if cache is not None:
        held[2][key] = (joined.bbox, joined.components, extent, raster)
    return joined, extent, raster


def may_be_one_letter(layout: PageLayout, run: Sequence[Glyph], em_px: float) -> bool:
    """Whether a run of glyphs (consecutive on a line) may be the pieces of one letter broken by thin ink: no
    gap between them wider than a break, and every piece either a body (a fair share of the run's height and
    ink) or a small piece sharing pixel columns with a body (a stroke end or hairline broken off above or below
    it, as old prints lose the flag of a long s)."""
    if any((g.page, g.line) != (run[0].page, run[0].line) for g in run):
        return False
    ext = [layout.extents[g.id] for g in run]
    if any(b[0] - a[2] > MAX_BREAK_EM * em_px for a, b in zip(ext, ext[1:])):
        return False
    run_height = max(e[3] for e in ext) - min(e[1] for e in ext)
    areas = [int(np.isin(layout.ink.components[g.bbox[1]:g.bbox[3], g.bbox[0]:g.bbox[2]], g.components).sum())
             for g in run]
    small = [e[3] - e[1] < MIN_PIECE_HEIGHT * run_height or a < MIN_PIECE_INK * sum(areas) for e, a in zip(ext, areas)]
    bodies = [g.bbox for g, s in zip(run, small) if not s]
    # a small piece belongs to the letter only where it shares pixel columns with a body piece of the run (a
    # hairline or stroke end broken off above or below it); dust in the gap beside a letter shares none, nor do
    # the dots of a colon beside a letter
    return all(any(min(g.bbox[2], b[2]) > max(g.bbox[0], b[0]) for b in bodies) for g, s in zip(run, small) if s)


def join_runs(layouts: Sequence[PageLayout], glyphs: Sequence[Glyph],
              runs: Sequence[Tuple[int, int]]) -> Tuple[List[PageLayout], int]:
    """New layouts in which each run (first glyph index into `glyphs`, length) is one glyph, the first's."""
    out = []
    for layout in layouts:
        for i, k in runs:
            if glyphs[i].page != layout.page:
                continue
            for g in glyphs[i + 1:i + k]:
                layout = join_glyphs(layout, layout.glyph(glyphs[i].id), layout.glyph(g.id))
        out.append(layout)
    return out, len(runs)
