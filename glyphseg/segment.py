"""Segment: one soft mask per detected glyph, behind a small interface with two backends.

- `ThresholdSegmenter` (this module): the glyph's own ink components from detection, grown by a couple of
  pixels so the antialiased edge survives, weighted by the illumination-normalised ink. Its 0.5 level is
  the scan's own subpixel edge.
- `Sam2Segmenter` (glyphseg.sam2): SAM2 box prompts on 1024 tiles decide which ink belongs to the glyph.
"""
from __future__ import annotations

from typing import Dict, Iterable, Optional, Protocol, Sequence

import cv2
import numpy as np

from .types import Glyph, GlyphMask, InkMap, Page

MARGIN_PX = 3  # crop margin around the ink box: room for the antialiased edge and the 0.5 contour


class Segmenter(Protocol):
    """A segmentation backend: masks for the glyphs of one page."""

    name: str

    def segment_page(self, page: Page, ink: InkMap, glyphs: Sequence[Glyph],
                     progress: Optional[callable] = None) -> Dict[str, GlyphMask]:
        ...


def crop_box(glyph: Glyph, shape, margin: int = MARGIN_PX):
    h, w = shape
    x0, y0, x1, y1 = glyph.bbox
    return max(0, x0 - margin), max(0, y0 - margin), min(w, x1 + margin), min(h, y1 + margin)


def soft_mask_from_members(ink: InkMap, glyph: Glyph, member: np.ndarray, box) -> GlyphMask:
    """The glyph's soft mask: ink coverage, kept within 2 px of the pixels that belong to the glyph and
    away from other glyphs' ink. `member` is a boolean mask over `box`."""
    cx0, cy0, cx1, cy1 = box
    comps = ink.components[cy0:cy1, cx0:cx1]
    other = (comps > 0) & ~member
    grown = cv2.dilate(member.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    # An edge pixel next to both this glyph and another belongs to whichever ink is nearer.
    if other.any():
        d_self = cv2.distanceTransform((~member).astype(np.uint8), cv2.DIST_L2, 3)
        d_other = cv2.distanceTransform((~other).astype(np.uint8), cv2.DIST_L2, 3)
        grown &= d_self <= d_other
    grown &= ~other
    soft = ink.ink[cy0:cy1, cx0:cx1] * grown
    return GlyphMask(glyph_id=glyph.id, x0=cx0, y0=cy0, soft=soft.astype(np.float32))


def own_ink_mask(ink: InkMap, glyph: Glyph) -> GlyphMask:
    """The glyph's soft mask from its own (detected) components: the threshold backend's answer."""
    box = crop_box(glyph, ink.ink.shape)
    cx0, cy0, cx1, cy1 = box
    member = np.isin(ink.components[cy0:cy1, cx0:cx1], glyph.components)
    return soft_mask_from_members(ink, glyph, member, box)


class ThresholdSegmenter:
    """Classical backend: detection's components plus the scan's antialiased edge."""

    name = "threshold"

    def segment_page(self, page: Page, ink: InkMap, glyphs: Sequence[Glyph], progress=None) -> Dict[str, GlyphMask]:
        out = {}
        for g in glyphs:
            out[g.id] = own_ink_mask(ink, g)
            if progress:
                progress(1)
        return out


def page_mask(shape, masks: Iterable[GlyphMask]) -> np.ndarray:
    """Page-sized uint8 mask of all glyphs: ink 255, background 0."""
    out = np.zeros(shape, np.uint8)
    for m in masks:
        h, w = m.soft.shape
        region = out[m.y0:m.y0 + h, m.x0:m.x0 + w]
        region[m.binary()] = 255
    return out
