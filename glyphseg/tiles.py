"""Tile planner: which 1024×1024 views of the page SAM2 sees, and the exact maps into and out of them.

Coordinates. Page and tile points are continuous, x right, y down, and pixel (r, c) covers the square
[c, c+1) × [r, r+1) — so a pixel's centre is (c + 0.5, r + 0.5) and a glyph box (x0, y0, x1, y1) with
exclusive ends is exactly the union of its pixel squares. A tile is an axis-aligned square of the page,
origin (x0, y0), side `size / scale`, magnified by `scale` (tile px per page px):

    tile = (page − origin) · scale            page = tile / scale + origin

Both maps are one affine map and its exact inverse; `crop_to_tile` resamples the page with the same map
(cv2 works in pixel-index coordinates, centre = integer, hence the ±0.5 in `_index_matrix`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

TILE_SIZE = 1024  # SAM2's input resolution
MARGIN_FRAC = 0.25  # context around a glyph or group, as a fraction of its longest glyph side
MIN_MARGIN_PX = 8  # page px; at least room for segment.MARGIN_PX plus the antialiased edge
MIN_GLYPH_PX = 96  # packing rule (see plan_tiles); chosen from benchmarks/sam2_speed.md
SMALL_MARK_FRAC = 0.5  # packing rule: marks smaller than this × the line's median glyph count as this big
PAPER = 255


@dataclass(frozen=True)
class Tile:
    """A square view of the page: page box (x0, y0, x1, y1) in continuous page coordinates, seen at `scale`
    tile px per page px, serving the glyphs `glyph_ids`. x1 − x0 = y1 − y0 = size / scale."""

    x0: float
    y0: float
    x1: float
    y1: float
    scale: float
    glyph_ids: Tuple[str, ...]
    size: int = TILE_SIZE

    @property
    def box(self) -> Tuple[float, float, float, float]:
        return self.x0, self.y0, self.x1, self.y1

    @property
    def matrix(self) -> np.ndarray:
        """2×3 affine map, continuous page → continuous tile coordinates."""
        s = self.scale
        return np.array([[s, 0.0, -self.x0 * s], [0.0, s, -self.y0 * s]])


def page_to_tile(points, tile: Tile) -> np.ndarray:
    """Continuous page points (..., 2) as (x, y) → continuous tile points."""
    p = np.asarray(points, dtype=np.float64)
    return (p - np.array([tile.x0, tile.y0])) * tile.scale


def tile_to_page(points, tile: Tile) -> np.ndarray:
    """Continuous tile points (..., 2) → continuous page points; the exact inverse of `page_to_tile`."""
    t = np.asarray(points, dtype=np.float64)
    return t / tile.scale + np.array([tile.x0, tile.y0])


def box_to_tile(box, tile: Tile) -> np.ndarray:
    """A page box (x0, y0, x1, y1), continuous edges, → the same box in tile coordinates."""
    return page_to_tile(np.asarray(box, dtype=np.float64).reshape(2, 2), tile).reshape(4)


def _index_matrix(tile: Tile, ox: float = 0.0, oy: float = 0.0) -> np.ndarray:
    """2×3 map from tile pixel *indices* to page pixel *indices* of an image whose pixel (0, 0) is page
    pixel (oy, ox). Index = continuous − 0.5 on both sides:
    page_idx = (tile_idx + 0.5) / scale + origin − 0.5 − offset."""
    inv = 1.0 / tile.scale
    return np.array([[inv, 0.0, 0.5 * inv + tile.x0 - 0.5 - ox],
                     [0.0, inv, 0.5 * inv + tile.y0 - 0.5 - oy]])


def crop_to_tile(gray: np.ndarray, tile: Tile) -> np.ndarray:
    """The tile's view of a uint8 gray page as uint8 size×size×3 RGB; outside the page is paper white.

    Resampled with `_index_matrix` (the inverse of `page_to_tile` in index form) by cv2.warpAffine:
    bicubic when magnifying, Gaussian-prefiltered bilinear when shrinking (large display type).
    """
    h, w = gray.shape
    s = tile.scale
    sigma = 0.5 * math.sqrt(1.0 / s ** 2 - 1.0) if s < 1.0 else 0.0
    # Only the page window under the tile is resampled (and blurred): a few pixels of border so that the
    # interpolation kernel and the prefilter see real neighbours, not the window's edge.
    pad = 3 + int(math.ceil(3 * sigma))
    wx0 = min(max(int(math.floor(tile.x0)) - pad, 0), w)
    wy0 = min(max(int(math.floor(tile.y0)) - pad, 0), h)
    wx1 = max(min(int(math.ceil(tile.x1)) + pad, w), wx0)
    wy1 = max(min(int(math.ceil(tile.y1)) + pad, h), wy0)
    if wx1 <= wx0 or wy1 <= wy0:  # the tile lies entirely off the page
        return np.full((tile.size, tile.size, 3), PAPER, np.uint8)
    window = gray[wy0:wy1, wx0:wx1]
    if sigma > 0:
        window = cv2.GaussianBlur(window, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    interp = cv2.INTER_CUBIC if s > 1.0 else cv2.INTER_LINEAR
    out = cv2.warpAffine(window, _index_matrix(tile, wx0, wy0), (tile.size, tile.size),
                         flags=interp | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT, borderValue=PAPER)
    return np.repeat(out[:, :, None], 3, axis=2)


def tile_to_page_crop(tile_map: np.ndarray, tile: Tile, box, fill: float = 0.0) -> np.ndarray:
    """Sample a size×size float map over the tile (e.g. mask logits) at the pixel centres of the page box
    (x0, y0, x1, y1), integer page pixels, exclusive end; bilinear, `fill` outside the tile."""
    bx0, by0, bx1, by1 = (int(v) for v in box)
    s = tile.scale
    # page pixel index → tile pixel index, offset to the crop: the forward form of _index_matrix
    m = np.array([[s, 0.0, (bx0 + 0.5 - tile.x0) * s - 0.5],
                  [0.0, s, (by0 + 0.5 - tile.y0) * s - 0.5]])
    return cv2.warpAffine(np.ascontiguousarray(tile_map, dtype=np.float32), m, (bx1 - bx0, by1 - by0),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=float(fill))


# ----------------------------------------------------------------------------------------------------------
# planning


def _longer(box) -> float:
    return float(max(box[2] - box[0], box[3] - box[1]))


def _same_line_by_overlap(a, b) -> bool:
    """Without line labels: two boxes share a line when their vertical extents overlap by half the
    smaller height."""
    ov = min(a[3], b[3]) - max(a[1], b[1])
    return ov >= 0.5 * min(a[3] - a[1], b[3] - b[1])


def _group_square(boxes: Sequence, margin_frac: float, page_shape, size: int):
    """The square (x0, y0, side) that holds the boxes with their margin, centred on them, shifted to lie
    inside the page where the page is big enough (real scan context rather than synthetic white)."""
    bx0 = min(b[0] for b in boxes)
    by0 = min(b[1] for b in boxes)
    bx1 = max(b[2] for b in boxes)
    by1 = max(b[3] for b in boxes)
    margin = max(margin_frac * max(_longer(b) for b in boxes), MIN_MARGIN_PX)
    side = max(bx1 - bx0, by1 - by0, 1.0) + 2 * margin
    x0 = (bx0 + bx1 - side) / 2.0
    y0 = (by0 + by1 - side) / 2.0
    h, w = page_shape[:2]
    # Shifting keeps every glyph box inside the square: a box edge outside [0, w] is impossible and the
    # square is at least as large as the group.
    if side <= w:
        x0 = min(max(x0, 0.0), w - side)
    if side <= h:
        y0 = min(max(y0, 0.0), h - side)
    return x0, y0, side


def plan_tiles(boxes: Sequence, page_shape, ids: Optional[Sequence[str]] = None,
               lines: Optional[Sequence[int]] = None, margin_frac: float = MARGIN_FRAC, pack: bool = True,
               min_glyph_px: float = MIN_GLYPH_PX, size: int = TILE_SIZE) -> List[Tile]:
    """Plan the tiles for glyph boxes given in reading order (page px, exclusive end).

    Every glyph lands in exactly one tile, whole, with a margin of `margin_frac` × the group's longest glyph
    side (≥ MIN_MARGIN_PX) around the group; the tile is the smallest square holding group and margin, so
    the group fills it (scale = size / side).

    Packing rule (pack=True): runs of glyphs adjacent in reading order and on the same line (`lines` labels,
    or vertical overlap when None) share a tile as long as every glyph in it keeps at least `min_glyph_px`
    tile px on its longer side: scale × max(longer side, SMALL_MARK_FRAC × the line's median longer side)
    ≥ min_glyph_px. The floor for small marks keeps periods and commas from forcing a tile of their own —
    what SAM2 needs resolved is the stroke, whose width follows the line's type size, not the mark's box.
    A glyph alone in its tile is exempt (it gets size / (1 + 2·margin_frac) px).

    The default, 96 px, was chosen from measurement (benchmarks/sam2_speed.md, hiera-tiny, bf16, 2 CPU
    cores): 256 px → 0.61 s per glyph, 128 → 0.41, 96 → 0.28 (one tile per glyph: 1.48). SAM2 here only
    decides which ink components belong to a glyph — the edge comes from the scan — and at 96 px a glyph
    spans 24 cells of SAM2's 256² mask grid and a text stem 2–3 cells: enough to tell the parts apart. With
    real weights, check small marks (dots, accents) before lowering it further; on a GPU 256 costs little.
    """
    boxes = [tuple(float(v) for v in b) for b in boxes]
    n = len(boxes)
    ids = [str(i) for i in range(n)] if ids is None else [str(i) for i in ids]
    if len(ids) != n or (lines is not None and len(lines) != n):
        raise ValueError("boxes, ids and lines must have the same length")

    # effective size of each glyph for the packing rule
    line_key = list(lines) if lines is not None else [None] * n
    eff = np.array([_longer(b) for b in boxes])
    if lines is not None:
        for lab in set(line_key):
            idx = [i for i in range(n) if line_key[i] == lab]
            ref = float(np.median(eff[idx]))
            for i in idx:
                eff[i] = max(eff[i], SMALL_MARK_FRAC * ref)
    else:
        ref = float(np.median(eff)) if n else 0.0
        eff = np.maximum(eff, SMALL_MARK_FRAC * ref)

    def fits(group: List[int]) -> bool:
        _, _, side = _group_square([boxes[i] for i in group], margin_frac, page_shape, size)
        return min(eff[i] for i in group) * size / side >= min_glyph_px

    groups: List[List[int]] = []
    for i in range(n):
        if pack and groups:
            last = groups[-1]
            j = last[-1]
            same = (line_key[i] == line_key[j]) if lines is not None else _same_line_by_overlap(boxes[i], boxes[j])
            if same and fits(last + [i]):
                last.append(i)
                continue
        groups.append([i])

    tiles = []
    for g in groups:
        x0, y0, side = _group_square([boxes[i] for i in g], margin_frac, page_shape, size)
        tiles.append(Tile(x0=x0, y0=y0, x1=x0 + side, y1=y0 + side, scale=size / side,
                          glyph_ids=tuple(ids[i] for i in g), size=size))
    return tiles


def plan_glyph_tiles(glyphs, page_shape, **kwargs) -> List[Tile]:
    """`plan_tiles` for detection's Glyph objects, in their reading order."""
    gs = sorted(glyphs, key=lambda g: (g.order, g.id))
    return plan_tiles([g.bbox for g in gs], page_shape, ids=[g.id for g in gs], lines=[g.line for g in gs],
                      **kwargs)
