"""Label: give detected glyphs their characters and UFO names.

With a transcript (`--text`), glyphs in reading order are aligned to its characters by dynamic programming
(Needleman–Wunsch): a detection may be left unmatched (dust, an ornament), a character may be missing
(a glyph lost to detection), and the match cost says how well a glyph's ink zone — its top and bottom
relative to the baseline and its width, in em — fits where that character's ink sits in typical fonts
(glyphseg/data/char_zones.json, built by templates/build_char_zones.py).
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from fontTools import agl

from .types import Glyph, bbox_union

GAP_COST = 4.0
SIGMA_TOP, SIGMA_BOTTOM, SIGMA_LOGW = 0.06, 0.05, 0.45


@lru_cache(maxsize=1)
def char_zones() -> Dict[str, Dict[str, float]]:
    path = os.path.join(os.path.dirname(__file__), "data", "char_zones.json")
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)["zones"]


def clean_text(text: str) -> str:
    """The characters to align: whitespace is not shown on a specimen."""
    return "".join(ch for ch in text if not ch.isspace())


@dataclass
class GlyphZone:
    """Where a glyph's ink sits, in em, relative to its line's baseline (y up)."""

    top: float
    bottom: float
    width: float


def expected_zone(ch: str) -> Tuple[float, float, float]:
    """(top, bottom, width) of the character's ink in em, typical over the zone table's fonts."""
    z = char_zones().get(ch)
    if z is None:  # an unusual character: a neutral, lowercase-sized guess
        return 0.5, 0.0, 0.5
    return z["top"], z["bottom"], z["width"]


def match_costs(zones: Sequence[GlyphZone], text: str) -> np.ndarray:
    """Cost of labelling glyph i with character j: 0 for a perfect fit of the ink zone, capped per feature."""
    g = np.array([[z.top, z.bottom, max(z.width, 1e-3)] for z in zones], float).reshape(-1, 3)
    e = np.array([expected_zone(ch) for ch in text], float).reshape(-1, 3)
    d_top = np.minimum(np.abs(g[:, None, 0] - e[None, :, 0]) / SIGMA_TOP, 6.0)
    d_bot = np.minimum(np.abs(g[:, None, 1] - e[None, :, 1]) / SIGMA_BOTTOM, 6.0)
    d_w = np.minimum(np.abs(np.log(g[:, None, 2] / np.maximum(e[None, :, 2], 1e-3))) / SIGMA_LOGW, 6.0)
    return d_top + d_bot + d_w


def align(cost: np.ndarray, gap: float = GAP_COST) -> List[Tuple[int, int]]:
    """Global alignment of glyphs (rows) to characters (columns); returns the matched (i, j) pairs.

    Row-vectorised DP: the in-row recurrence D[j] = min(A[j], D[j-1] + gap) is a running minimum.

    >>> c = np.array([[0.0, 9, 9], [9, 9, 0.0]])  # glyph 0 is char 0, glyph 1 is char 2, char 1 is missing
    >>> align(c)
    [(0, 0), (1, 2)]
    """
    n, m = cost.shape
    cols = np.arange(m + 1)
    prev = cols * gap  # D[0][j]: j characters missing
    # choice: 0 = match (diagonal), 1 = glyph unmatched (up), 2 = character missing (left)
    choice = np.zeros((n + 1, m + 1), np.int8)
    choice[0, 1:] = 2
    for i in range(1, n + 1):
        diag = np.full(m + 1, np.inf)
        diag[1:] = prev[:-1] + cost[i - 1]
        up = prev + gap
        a = np.minimum(diag, up)
        pick = np.where(diag <= up, 0, 1).astype(np.int8)
        # left moves: D[j] = min_k≤j (a[k] + (j-k)·gap)
        shifted = a - cols * gap
        run = np.minimum.accumulate(shifted)
        cur = run + cols * gap
        left = cur < a - 1e-12
        pick[left] = 2
        choice[i] = pick
        prev = cur
    pairs = []
    i, j = n, m
    while i > 0 or j > 0:
        c = choice[i, j] if i > 0 else 2
        if j == 0:
            c = 1
        if c == 0:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif c == 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def label_with_text(glyphs: Sequence[Glyph], zones: Sequence[GlyphZone], text: str,
                    extra_cost: Optional[np.ndarray] = None) -> List[Tuple[int, int]]:
    """Set `char` and `score` on the glyphs (already in reading order) from the transcript; returns the
    aligned (glyph index, text index) pairs. `extra_cost` (glyphs × characters), e.g. template shape costs,
    is added to the zone costs."""
    text = clean_text(text)
    for g in glyphs:
        g.char, g.score = None, 0.0
    if not glyphs or not text:
        return []
    cost = match_costs(zones, text)
    if extra_cost is not None:
        cost = cost + extra_cost
    pairs = align(cost)
    for i, j in pairs:
        glyphs[i].char = text[j]
        glyphs[i].score = float(math.exp(-cost[i, j] / GAP_COST))
    return pairs


PairJudge = Callable[[object, Glyph, Glyph], Optional[str]]


def rejoin_split_glyphs(detections, topologies_of: Callable[[str], set],
                        topology: Callable[[np.ndarray], Tuple[int, int]], judge: PairJudge) -> int:
    """Join glyphs that grouping split (a ring of % set beside its slash, the boxes overlapping too little to
    be grouped as nested), once labelling says what they are.

    Candidates are neighbours on a line that overlap along it. `judge(det, a, b)` names the character the
    pair would be together, or None (`transcript_judge`, `recognition_judge`); the pair is joined
    (glyphseg.detect.merge_glyphs) when together it has the parts and counters that character has in the
    reference fonts (`topologies_of(char)`, a set of (parts, holes)). Returns how many were joined.
    """
    from .detect import merge_glyphs

    joined = 0
    for det in detections:
        by_id = {g.id: g for g in det.glyphs}
        for line in det.lines:
            k = 0
            while k + 1 < len(line.glyph_ids):
                a, b = by_id[line.glyph_ids[k]], by_id[line.glyph_ids[k + 1]]
                overlap = det.extents[a.id][2] > det.extents[b.id][0]  # along the line
                char = judge(det, a, b) if overlap else None
                if char is not None and glyph_topology(det, [a, b], topology) in topologies_of(char):
                    keep, absorb = (b, a) if a.char is None and b.char is not None else (a, b)
                    merge_glyphs(det, keep, absorb)
                    joined += 1
                    continue  # the joined glyph meets its next neighbour
                k += 1
    return joined


def glyph_topology(det, members: Sequence[Glyph], topology) -> Tuple[int, int]:
    """(parts, holes) of the ink of `members` together."""
    x0, y0, x1, y1 = bbox_union([g.bbox for g in members])
    labels = [lab for g in members for lab in g.components]
    return topology(np.isin(det.ink.components[y0:y1, x0:x1], labels))


def transcript_judge(glyphs: Sequence[Glyph], pairs: Sequence[Tuple[int, int]], text: str,
                     topologies_of: Callable[[str], set], topology,
                     recognise_pair: Optional[PairJudge] = None) -> PairJudge:
    """With a transcript (`pairs` of glyph index, text index from `label_with_text`), a split glyph shows up
    as a labelled glyph with fewer parts than its character has next to a detection that matched nothing,
    or as two detections that matched nothing where the text has a character missing. Where several are
    missing there (a split ; beside a split :), `recognise_pair` names the pair, if it reads as one of them."""
    text = clean_text(text)
    position = {g.id: i for i, g in enumerate(glyphs)}
    matched_j = np.full(len(glyphs), -1)
    for i, j in pairs:
        matched_j[i] = j

    def missing_between(i0: int, i1: int) -> str:
        before = [matched_j[i] for i in range(i0 - 1, -1, -1) if matched_j[i] >= 0][:1] or [-1]
        after = [matched_j[i] for i in range(i1 + 1, len(glyphs)) if matched_j[i] >= 0][:1] or [len(text)]
        return text[before[0] + 1:after[0]]

    def judge(det, a: Glyph, b: Glyph) -> Optional[str]:
        if a.char is None and b.char is None:
            missing = missing_between(position[a.id], position[b.id])
            if len(missing) == 1:
                return missing
            named = recognise_pair(det, a, b) if missing and recognise_pair is not None else None
            return named if named is not None and named in missing else None
        if (a.char is None) == (b.char is None):
            return None
        labelled = a if a.char is not None else b
        expected = topologies_of(labelled.char)
        if expected and glyph_topology(det, [labelled], topology) not in expected:
            return labelled.char
        return None

    return judge


def glyph_name(ch: str) -> str:
    """AGL name of a character (A, a, zero, adieresis, percent …), uniXXXX beyond the AGL.

    >>> glyph_name("ä"), glyph_name("0"), glyph_name("€")
    ('adieresis', 'zero', 'Euro')
    """
    cp = ord(ch)
    name = agl.UV2AGL.get(cp)
    if name:
        return name
    return f"uni{cp:04X}" if cp <= 0xFFFF else f"u{cp:05X}"


def assign_names(glyphs: Sequence[Glyph], name_unlabelled: bool = True) -> Dict[str, Optional[int]]:
    """UFO glyph names: the first instance of a character gets its AGL name (and its unicode), further
    instances alternates (a.alt1, a.alt2 …); unlabelled glyphs glyph0001 … — or, when a transcript was
    given and they matched none of it (`name_unlabelled=False`), no name: they stay out of the font.
    Returns name → unicode."""
    unicodes: Dict[str, Optional[int]] = {}
    seen: Dict[str, int] = {}
    unlabelled = 0
    for g in glyphs:
        if g.char is None:
            if not name_unlabelled:
                g.name = None
                continue
            unlabelled += 1
            g.name = f"glyph{unlabelled:04d}"
            unicodes[g.name] = None
            continue
        base = glyph_name(g.char)
        k = seen.get(base, 0)
        seen[base] = k + 1
        g.name = base if k == 0 else f"{base}.alt{k}"
        unicodes[g.name] = ord(g.char) if k == 0 else None
    return unicodes
