"""Refine: check each labelled glyph's mask against its character's templates and fix what the check finds
(after Char-SAM's template-guided refinement).

The check is topology: how many ink parts and how many counters (holes) the character has in the
reference fonts (glyphseg.templates). Two classic failures show up there:
- over-segmentation: a counter filled in (ink spread closing the eye of an e) → too few holes;
- under-segmentation: a thin stroke broken (too many parts) or a dot lost (too few parts).
The threshold backend is steered by it: the mask's edge level is moved (up to reopen a counter, down to
rejoin a hairline) and ink that detection set aside as a speck is re-attached where the character needs
a dot or an accent. A fix is kept only when it makes the topology match.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, Optional, Sequence, Set, Tuple

import numpy as np

from .segment import crop_box, soft_mask_from_members
from .templates import library, topology
from .types import Glyph, GlyphMask, InkMap, PageLayout, Refined, Segmentation

LEVELS = (0.4, 0.3, 0.6, 0.7)  # edge levels tried, nearest to 0.5 first on each side


@dataclass
class Refinement:
    mask: GlyphMask
    refined: bool  # the mask was changed
    topology_ok: Optional[bool]  # None: the character has no templates (or the glyph no label)
    action: str = ""
    components: Optional[Tuple[int, ...]] = None  # the glyph's components, when parts were re-attached


def mask_topology(mask: GlyphMask, level: float = 0.5) -> Tuple[int, int]:
    return topology(mask.soft >= level)


def _relevel(mask: GlyphMask, level: float) -> GlyphMask:
    """The same soft mask with its `level` iso-line moved to 0.5 (where the tracer looks)."""
    soft = np.clip(mask.soft * (0.5 / level), 0.0, 1.0).astype(np.float32)
    return GlyphMask(mask.glyph_id, mask.x0, mask.y0, soft)


def _with_parts(ink: InkMap, glyph: Glyph, extra: Sequence[int]) -> GlyphMask:
    """Mask of the glyph's components plus `extra` component labels, over a box that holds them all."""
    labels = tuple(glyph.components) + tuple(extra)
    x0, y0, x1, y1 = glyph.bbox
    for lab in extra:
        yy, xx = np.nonzero(ink.components == lab)
        x0, y0 = min(x0, int(xx.min())), min(y0, int(yy.min()))
        x1, y1 = max(x1, int(xx.max()) + 1), max(y1, int(yy.max()) + 1)
    grown = Glyph(id=glyph.id, page=glyph.page, bbox=(x0, y0, x1, y1), components=labels)
    box = crop_box(grown, ink.ink.shape)
    bx0, by0, bx1, by1 = box
    member = np.isin(ink.components[by0:by1, bx0:bx1], labels)
    return soft_mask_from_members(ink, grown, member, box)


def _stray_parts(ink: InkMap, glyph: Glyph, claimed: Set[int]) -> list:
    """Unclaimed ink components (specks to detection) above or below the glyph, nearest first."""
    x0, y0, x1, y1 = glyph.bbox
    w, h = x1 - x0, y1 - y0
    sx0, sx1 = max(0, x0 - w // 3), min(ink.ink.shape[1], x1 + w // 3)
    sy0, sy1 = max(0, y0 - int(0.6 * h)), min(ink.ink.shape[0], y1 + int(0.6 * h))
    window = ink.components[sy0:sy1, sx0:sx1]
    found = []
    for lab in np.unique(window):
        if lab == 0 or lab in claimed:
            continue
        yy, xx = np.nonzero(window == lab)
        cx, cy = xx.mean() + sx0, yy.mean() + sy0
        if not (x0 - w / 3 <= cx <= x1 + w / 3):
            continue
        dy = max(y0 - cy, cy - y1, 0.0)
        found.append((dy, int(lab)))
    return [lab for _, lab in sorted(found)]


def _patch_extras(mask: GlyphMask, current: Tuple[int, int], expected: Set[Tuple[int, int]]) -> Optional[GlyphMask]:
    import cv2

    binary = (mask.soft >= 0.5).astype(np.uint8)
    ink_area = int(binary.sum())
    for want_parts, want_holes in sorted(expected):
        extra_holes = current[1] - want_holes
        extra_parts = current[0] - want_parts
        if extra_holes < 0 or extra_parts < 0 or (extra_holes == 0 and extra_parts == 0):
            continue
        soft = mask.soft.copy()
        if extra_holes:
            n, bg, stats, _ = cv2.connectedComponentsWithStats(np.pad(1 - binary, 1), connectivity=4)
            holes = [k for k in range(1, n) if bg[0, 0] != k]  # the outer background touches the corner
            holes.sort(key=lambda k: stats[k, cv2.CC_STAT_AREA])
            small = holes[:extra_holes]
            if any(stats[k, cv2.CC_STAT_AREA] > 0.02 * ink_area for k in small):
                continue  # a real counter, not a pinhole
            for k in small:
                soft[(bg == k)[1:-1, 1:-1]] = 1.0
        if extra_parts:
            n, lab, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
            parts = sorted(range(1, n), key=lambda k: stats[k, cv2.CC_STAT_AREA])[:extra_parts]
            if any(stats[k, cv2.CC_STAT_AREA] > 0.05 * ink_area for k in parts):
                continue  # a real part (a dot, a broken stroke), not a crumb
            for k in parts:
                grown = cv2.dilate((lab == k).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
                soft[grown & ~(lab > 0) | (lab == k)] = 0.0
        candidate = GlyphMask(mask.glyph_id, mask.x0, mask.y0, soft)
        if mask_topology(candidate) in expected:
            return candidate
    return None


def refine_threshold(ink: InkMap, glyph: Glyph, mask: GlyphMask, claimed: Set[int]) -> Refinement:
    """Check the glyph's mask against its character's topologies and repair it if a fix makes it match."""
    if glyph.char is None:
        return Refinement(mask, False, None)
    # roman type's parts and counters: a blackletter R has no closed bowl, and allowed that, a roman R whose
    # counter spread ink filled would stay filled
    expected = library(blackletter=False).topologies_of(glyph.char)
    if not expected:
        return Refinement(mask, False, None)
    current = mask_topology(mask)
    if current in expected:
        return Refinement(mask, False, True)
    # A lost dot or accent: re-attach stray ink where the character has more parts.
    if current[0] < min(c for c, _ in expected):
        extra = []
        for lab in _stray_parts(ink, glyph, claimed):
            extra.append(lab)
            candidate = _with_parts(ink, glyph, extra)
            if mask_topology(candidate) in expected:
                claimed.update(extra)
                return Refinement(candidate, True, True, f"re-attached {len(extra)} part(s)",
                                  components=tuple(glyph.components) + tuple(extra))
            if len(extra) >= 2:
                break
    # Pinholes (paper texture, a speck of missing ink) and crumbs inside the box: fill or drop the smallest
    # extra holes and parts. Edges elsewhere are untouched.
    patched = _patch_extras(mask, current, expected)
    if patched is not None:
        return Refinement(patched, True, True, "filled pinholes / dropped crumbs")
    # A filled counter or a broken stroke: move the edge level.
    for level in LEVELS:
        if mask_topology(mask, level) in expected:
            return Refinement(_relevel(mask, level), True, True, f"edge level {level:g}")
    return Refinement(mask, False, False)


def refine(layouts: Sequence[PageLayout], glyphs: Sequence[Glyph], segmentation: Segmentation) -> Refined:
    """The refine stage: every labelled glyph's mask checked against its character's topology and repaired
    where a fix makes it match; the glyphs come back with `refined`, `topology_ok` (and re-attached parts)."""
    masks = dict(segmentation.masks)
    out = []
    for layout in layouts:
        on_page = [g for g in glyphs if g.page == layout.page]
        checks = refine_page(layout.ink, on_page, masks)
        masks.update({gid: r.mask for gid, r in checks.items()})
        for g in on_page:
            r = checks.get(g.id)
            if r is None:
                out.append(g)
                continue
            out.append(replace(g, refined=r.refined or g.id in segmentation.template_fixed,
                               topology_ok=r.topology_ok, components=r.components or g.components))
    order = {g.id: k for k, g in enumerate(glyphs)}
    return Refined(glyphs=sorted(out, key=lambda g: order[g.id]), masks=masks)


def refine_page(ink: InkMap, glyphs: Sequence[Glyph], masks: Dict[str, GlyphMask]) -> Dict[str, Refinement]:
    """Refine every labelled glyph of a page; returns glyph id → Refinement (`masks` is not changed)."""
    claimed = {lab for g in glyphs for lab in g.components}
    return {g.id: refine_threshold(ink, g, masks[g.id], claimed) for g in glyphs if g.id in masks}


def template_points(glyph: Glyph, glyph_raster: np.ndarray, char: str, max_positive: int = 4):
    """Point prompts from the character's best-matching template, in page pixels.

    The template (stretched over the glyph's ink box, as recognition compares them) gives positive points
    at the centres of its strokes — at least one per part, so an i's dot or an ä's marks are asked for —
    and negative points at the centres of its counters, so a filled-in o or e is asked to open.
    Returns (positive, negative) lists of (x, y).
    """
    import cv2

    from .templates import INNER_PX, TEMPLATE_PX, shape_features

    lib = library(blackletter=False)  # the same templates as the topology check (refine_threshold)
    temps = lib.templates_of(char)
    if len(temps) == 0:
        return [], []
    best = temps[int(np.argmax(shape_features(temps) @ shape_features(glyph_raster[None])[0]))]
    ink = (best >= 0.5).astype(np.uint8)
    x0, y0, x1, y1 = glyph.bbox
    m = (TEMPLATE_PX - INNER_PX) // 2

    def to_page(r, c):
        return (x0 + (c - m + 0.5) / INNER_PX * (x1 - x0), y0 + (r - m + 0.5) / INNER_PX * (y1 - y0))

    positive = []
    n, labels = cv2.connectedComponents(ink, connectivity=8)
    dist = cv2.distanceTransform(ink, cv2.DIST_L2, 3)
    for k in range(1, n):  # the deepest point of every part
        d = np.where(labels == k, dist, 0)
        r, c = np.unravel_index(int(np.argmax(d)), d.shape)
        positive.append((float(d[r, c]), to_page(r, c)))
    positive.sort(key=lambda t: -t[0])
    positive = [p for _, p in positive[:max_positive]]
    negative = []
    bg = np.pad(1 - ink, 1, constant_values=1)  # paper all round, so the outside is one region
    nb, bl = cv2.connectedComponents(bg.astype(np.uint8), connectivity=4)
    bdist = cv2.distanceTransform(bg.astype(np.uint8), cv2.DIST_L2, 3)
    for k in range(1, nb):
        if bl[0, 0] == k:
            continue  # the paper around the glyph
        d = np.where(bl == k, bdist, 0)
        r, c = np.unravel_index(int(np.argmax(d)), d.shape)
        negative.append(to_page(r - 1, c - 1))
    return positive, negative
