"""Glyph templates: recognise glyphs without a transcript, and help the alignment when there is one.

A template is a character's ink from a reference font, stretched into a 32 × 32 box
(glyphseg/data/templates.npz, built by templates/build_templates.py from open fonts listed in
templates/SOURCES.md). A detected glyph is normalised the same way; its shape cost against a character is
1 − the best normalised cross-correlation over that character's templates (after a light blur, so stroke
weight and small design differences matter less). Shape alone cannot tell o from O from 0, l from I from 1,
or a comma from an apostrophe; the glyph's ink zone (top and bottom relative to the baseline, width, in em;
see glyphseg.label) can, so recognition adds both.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

TEMPLATE_PX = 32
INNER_PX = 28  # the glyph's longer side inside the template box
SHAPE_WEIGHT = 12.0  # shape cost (0..~1) against zone cost (sums of |Δ|/σ): one NCC point ≈ 0.12 σ


def glyph_rasters(glyphs, layouts) -> np.ndarray:
    """Each glyph's ink on its page (its own components, antialiased edge kept) normalised to the template
    box, as the templates are."""
    from .segment import own_ink_mask  # segment draws the glyph's own ink; it needs nothing from here

    by_page = {layout.page: layout for layout in layouts}
    return np.stack([normalise_raster(own_ink_mask(by_page[g.page].ink, g).soft) for g in glyphs])


def normalise_raster(coverage: np.ndarray) -> np.ndarray:
    """Ink coverage of any size → 32 × 32: cropped to the ink and stretched to fill a 28 × 28 box, centred.

    The stretch drops the aspect ratio on purpose: a monospaced D is as narrow as a proportional 0, and
    shape should compare designs, not widths; the glyph's width and height relative to the body are in
    its ink zone, which recognition weighs beside the shape.

    >>> r = normalise_raster(np.pad(np.ones((10, 5)), 3)); r.shape, float(r.max()), int((r > 0.5).sum())
    ((32, 32), 1.0, 784)
    """
    ys, xs = np.nonzero(coverage > 0.1)
    out = np.zeros((TEMPLATE_PX, TEMPLATE_PX), np.float32)
    if ys.size == 0:
        return out
    crop = coverage[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32)
    small = cv2.resize(crop, (INNER_PX, INNER_PX), interpolation=cv2.INTER_AREA)
    m = (TEMPLATE_PX - INNER_PX) // 2
    out[m:m + INNER_PX, m:m + INNER_PX] = np.clip(small, 0, 1)
    return out


def topology(binary: np.ndarray) -> Tuple[int, int]:
    """(ink components, holes) of a boolean mask: 8-connected ink, 4-connected background.

    >>> ring = np.zeros((9, 9), bool); ring[1:8, 1:8] = True; ring[3:6, 3:6] = False
    >>> topology(ring)
    (1, 1)
    """
    b = np.pad(binary.astype(np.uint8), 1)
    n_ink = cv2.connectedComponents(b, connectivity=8)[0] - 1
    n_bg, bg = cv2.connectedComponents(1 - b, connectivity=4)
    return int(n_ink), int(n_bg - 2)  # minus the label 0 (ink) and the outer background


def shape_features(rasters: np.ndarray) -> np.ndarray:
    """Blurred, zero-mean, unit-length vectors: their dot product is the normalised cross-correlation."""
    rasters = np.asarray(rasters, np.float32).reshape(-1, TEMPLATE_PX, TEMPLATE_PX)
    blurred = np.stack([cv2.GaussianBlur(r, (0, 0), 1.0) for r in rasters]) if len(rasters) else rasters
    v = blurred.reshape(len(rasters), -1)
    v = v - v.mean(axis=1, keepdims=True)
    n = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.maximum(n, 1e-6)


@dataclass
class TemplateLibrary:
    chars: List[str]  # the distinct characters, in a fixed order
    char_index: np.ndarray  # per template: index into chars
    features: np.ndarray  # per template: feature vector
    rasters: np.ndarray  # per template: uint8 32 × 32
    zones: np.ndarray  # per template: top, bottom, width (em)
    topologies: np.ndarray  # per template: ink components, holes
    sources: List[str]
    blackletter: Optional[np.ndarray] = None  # per template: from a blackletter source (None: none is)
    _grouped: Optional[Tuple[np.ndarray, np.ndarray]] = field(default=None, repr=False, compare=False)

    def roman(self) -> "TemplateLibrary":
        """The library without its blackletter templates (itself when it has none)."""
        if self.blackletter is None or not self.blackletter.any():
            return self
        keep = ~self.blackletter
        chars = sorted({self.chars[k] for k in self.char_index[keep]})
        index = {c: i for i, c in enumerate(chars)}
        return TemplateLibrary(chars=chars, char_index=np.array([index[self.chars[k]] for k in self.char_index[keep]]),
                               features=self.features[keep],
                               rasters=self.rasters[keep], zones=self.zones[keep], topologies=self.topologies[keep],
                               sources=[s for s in self.sources if not s.split("|")[1].startswith(BLACKLETTER)],
                               blackletter=np.zeros(int(keep.sum()), bool))

    def family_fits(self, glyph_rasters: np.ndarray) -> np.ndarray:
        """N glyphs × families (roman type, then blackletter where the library has it): each glyph's best
        correlation with any template of the family."""
        corr = shape_features(glyph_rasters) @ self.features.T
        families = [np.ones(corr.shape[1], bool)] if self.blackletter is None or not self.blackletter.any() else \
            [~self.blackletter, self.blackletter]
        return np.stack([corr[:, f].max(axis=1) if corr.shape[0] else np.zeros(0) for f in families], axis=1)

    def _best_correlations(self, glyph_rasters: np.ndarray) -> np.ndarray:
        """N glyphs × the library's characters: the best correlation with any of the character's templates."""
        corr = shape_features(glyph_rasters) @ self.features.T  # N × templates
        order, firsts = self._by_char()
        return np.maximum.reduceat(corr[:, order], firsts, axis=1).astype(np.float32)

    def _by_char(self) -> Tuple[np.ndarray, np.ndarray]:
        """The templates' order grouped by character (stable), and where each character's run begins in it (every
        character has templates: `chars` are theirs). A max over each run is one `reduceat`: `np.maximum.at`
        over the templates in their own order took 4 ms a call, most of the time of reading a cut's pieces."""
        if self._grouped is None:
            order = np.argsort(self.char_index, kind="stable")
            self._grouped = (order, np.searchsorted(self.char_index[order], np.arange(len(self.chars))))
        return self._grouped

    def shape_costs(self, glyph_rasters: np.ndarray, chars: Optional[Sequence[str]] = None) -> np.ndarray:
        """N glyphs × M characters: 1 − best correlation with any template of the character. A character
        without templates (ſ, a ligature, a letter of another script in a transcript) costs each glyph its median
        cost over the templates' characters: its shape says nothing for or against it (a cost of 1, no
        correlation at all, would make the alignment skip every such character)."""
        chars = list(self.chars) if chars is None else list(chars)
        best = self._best_correlations(glyph_rasters)
        lookup = {c: i for i, c in enumerate(self.chars)}
        out = np.empty((best.shape[0], len(chars)), np.float32)
        unknown = np.median(1.0 - best, axis=1) if best.shape[1] else np.ones(best.shape[0], np.float32)
        for j, c in enumerate(chars):
            out[:, j] = 1.0 - best[:, lookup[c]] if c in lookup else unknown
        return out

    def own_shape_costs(self, glyph_rasters: np.ndarray, chars: Sequence[str]) -> np.ndarray:
        """N costs: glyph i against its own character chars[i] (the diagonal of `shape_costs(glyph_rasters,
        chars)`, without the N × N matrix)."""
        best = self._best_correlations(glyph_rasters)
        lookup = {c: i for i, c in enumerate(self.chars)}
        column = np.array([lookup.get(c, -1) for c in chars], int)
        out = np.ones(len(column), np.float32)
        known = np.nonzero(column >= 0)[0]
        out[known] = 1.0 - best[known, column[known]]
        return out

    def topologies_of(self, char: str, share: float = 0.2) -> set:
        """The (components, holes) pairs that at least `share` of the char's templates have."""
        if char not in self.chars:
            return set()
        rows = [tuple(int(v) for v in t) for t in self.topologies[self.char_index == self.chars.index(char)]]
        return {t for t in set(rows) if rows.count(t) >= share * len(rows)}

    def templates_of(self, char: str) -> np.ndarray:
        """The char's template rasters (k × 32 × 32, float 0..1)."""
        if char not in self.chars:
            return np.zeros((0, TEMPLATE_PX, TEMPLATE_PX), np.float32)
        k = self.chars.index(char)
        return self.rasters[self.char_index == k].astype(np.float32) / 255.0


BLACKLETTER = "blackletter"  # the style of the Fraktur, textura and gothic sources begins so (templates/SOURCES.md)


@lru_cache(maxsize=2)
def library(blackletter: bool = True) -> TemplateLibrary:
    """The templates of every source font; without the `blackletter` ones, those of roman type alone (roman,
    italic, sans, mono), whose fit tells a blackletter or a script face from a roman one (glyphseg.faces)."""
    full = _full_library()
    return full if blackletter else full.roman()


@lru_cache(maxsize=1)
def _full_library() -> TemplateLibrary:
    # read and measured once a process: both libraries come from it (the features are a tenth of a second)
    path = os.path.join(os.path.dirname(__file__), "data", "templates.npz")
    data = np.load(path)
    template_chars = [str(c) for c in data["chars"]]
    chars = sorted(set(template_chars))
    index = {c: i for i, c in enumerate(chars)}
    rasters = data["rasters"]
    sources = [str(s) for s in data["sources"]]
    full = TemplateLibrary(chars=chars, char_index=np.array([index[c] for c in template_chars]),
                           features=shape_features(rasters.astype(np.float32) / 255.0), rasters=rasters,
                           zones=data["zones"], topologies=data["topology"], sources=sources,
                           blackletter=np.array([sources[f].split("|")[1].startswith(BLACKLETTER)
                                                 for f in data["font"]]))
    return full


def recognise(shape_cost: np.ndarray, zone_cost: np.ndarray, chars: Sequence[str],
              temperature: float = 0.5) -> Tuple[List[str], np.ndarray, np.ndarray]:
    """Best character per glyph from the combined cost; score = its softmax probability.

    The temperature (0.5 cost units) was set on rendered specimens: right answers lead the runner-up by
    a median 2.3 units (score ≈ 0.99), wrong ones by under 0.9 (score ≲ 0.85, most far lower).

    Returns (chars, scores, combined costs).
    """
    cost = SHAPE_WEIGHT * shape_cost + zone_cost
    best = np.argmin(cost, axis=1)
    z = np.exp(-(cost - cost.min(axis=1, keepdims=True)) / temperature)
    prob = z[np.arange(len(best)), best] / z.sum(axis=1)
    return [chars[j] for j in best], prob, cost


def recognition_judge(lib: TemplateLibrary, describe, zone_costs, min_score: float = 0.5):
    """Without a transcript, a pair of overlapping neighbours (glyphseg.label.rejoin_split_glyphs) is named
    by recognising it joined: the character it reads as, when that character has several parts in the
    reference fonts and the joined pair reads as it more surely than the weaker of the two reads alone.
    `describe(det, a, b)` gives the joined pair's raster and ink zone; `zone_costs(zones, chars)` prices
    zones (glyphseg.label.match_costs)."""
    chars = "".join(lib.chars)

    def judge(det, a, b):
        raster, zone = describe(det, a, b)
        best, prob, _ = recognise(lib.shape_costs(raster[None], chars), zone_costs([zone], chars), chars)
        parts = [p for p, _ in lib.topologies_of(best[0])]
        if parts and min(parts) >= 2 and prob[0] >= min_score and prob[0] > min(a.score, b.score):
            return best[0]
        return None

    return judge
