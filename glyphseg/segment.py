"""Segment: one soft mask per detected glyph, behind a small interface with two backends.

- `ThresholdSegmenter` (this module): the glyph's own ink components from detection, grown by a couple of
  pixels so the antialiased edge survives, weighted by the illumination-normalised ink. Its 0.5 level is
  the scan's own subpixel edge.
- `Sam2Segmenter` (glyphseg.sam2): SAM2 box prompts on 1024 tiles decide which ink belongs to the glyph.
"""
from __future__ import annotations

import time
from typing import Callable, Dict, Iterable, List, Optional, Protocol, Sequence

import cv2
import numpy as np

from .types import Glyph, GlyphMask, InkMap, Page, PageLayout, Segmentation

MARGIN_PX = 3  # crop margin around the ink box: room for the antialiased edge and the 0.5 contour


class Segmenter(Protocol):
    """A segmentation backend: masks for the glyphs of one page. A backend that loads a model keeps it
    between pages (embed once, prompt many times); what it has to say goes into `notes` and `timings`, and
    the glyphs whose masks it repaired with templates into `fixed`."""

    name: str
    notes: List[str]
    timings: Dict[str, float]
    fixed: set

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

    def __init__(self):
        self.notes: List[str] = []
        self.timings: Dict[str, float] = {}
        self.fixed: set = set()

    def segment_page(self, page: Page, ink: InkMap, glyphs: Sequence[Glyph], progress=None) -> Dict[str, GlyphMask]:
        out = {}
        for g in glyphs:
            out[g.id] = own_ink_mask(ink, g)
            if progress:
                progress(1)
        return out


def segment(pages: Sequence[Page], layouts: Sequence[PageLayout], glyphs: Sequence[Glyph], segmenter: Segmenter,
            progress: Optional[Callable[[int], None]] = None) -> Segmentation:
    """The segment stage: one soft mask per glyph, page by page, from the backend; its notes and timings
    (a SAM2 fallback, seconds encoding) come back with the masks."""
    masks: Dict[str, GlyphMask] = {}
    notes_before, timings_before = len(segmenter.notes), dict(segmenter.timings)
    t = time.perf_counter()
    for page, layout in zip(pages, layouts):
        on_page = [g for g in glyphs if g.page == layout.page]
        masks.update(segmenter.segment_page(page, layout.ink, on_page, progress=progress))
    timings = {k: v - timings_before.get(k, 0) for k, v in segmenter.timings.items()}
    timings["segment_s"] = time.perf_counter() - t
    return Segmentation(masks=masks, backend=segmenter.name, notes=list(segmenter.notes[notes_before:]),
                        timings=timings, template_fixed=frozenset(segmenter.fixed))


def page_mask(shape, masks: Iterable[GlyphMask]) -> np.ndarray:
    """Page-sized uint8 mask of all glyphs: ink 255, background 0."""
    out = np.zeros(shape, np.uint8)
    for m in masks:
        h, w = m.soft.shape
        region = out[m.y0:m.y0 + h, m.x0:m.x0 + w]
        region[m.binary()] = 255
    return out
