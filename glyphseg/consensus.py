"""Consensus outlines: where the specimen prints a character several times, one outline from all its instances.

Revival practice (GlyphCollector, OSP's fons) averages many prints of a letter, because each print carries its
own ink spread, breaks and specks while the design is the same. For each character seen at least
MIN_INSTANCES times:
1. every instance's soft mask is resampled into one reference instance's pixel grid through the glyphs'
   font-unit frames, aligned first by ink centroids and then to subpixel accuracy by phase correlation
   (scikit-image's `phase_cross_correlation`);
2. instances that differ from the pixelwise median (IoU < MIN_IOU: broken, merged, damaged, or another
   form — a swash, an alternate) are left out and keep their own outlines;
3. the median of the rest is traced once, and each of those instances gets that outline, moved onto its own
   ink. They share one UFO glyph (the manifest's `name`), with `consensus` saying how many prints made it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .types import Glyph, GlyphMask, Outline, PageLayout

MIN_INSTANCES = 3  # fewer prints than this are no majority to vote with
MAX_PRINTS = 48  # prints fused per character at most (spread over the specimen): bounds memory and time on a
# book page of body text; the median of 48 is as steady as one can use, and the rest keep their own outlines
MIN_IOU = 0.75  # an instance this unlike the median print is another form or a damaged print
PAD_PX = 4  # room around the reference crop for the other prints' shifts


@dataclass
class Consensus:
    """The consensus stage's answer: glyphs (instances that share an outline share a name), outlines, and for
    each fused instance how many prints made its outline."""

    glyphs: List[Glyph]
    outlines: Dict[str, Outline]
    fused: Dict[str, int] = field(default_factory=dict)


def _centroid_units(g: Glyph, m: GlyphMask) -> np.ndarray:
    rows, cols = np.nonzero(m.soft > 0)
    w = m.soft[rows, cols].astype(float)
    xu, yu = g.page_to_units(cols + m.x0 + 0.5, rows + m.y0 + 0.5)
    return np.array([np.average(xu, weights=w), np.average(yu, weights=w)])


def _resample(ref: Glyph, grid: Tuple[np.ndarray, np.ndarray], g: Glyph, m: GlyphMask,
              offset: np.ndarray) -> np.ndarray:
    """g's soft mask on the reference's pixel grid: reference pixel → units (+ offset: where g's ink is in its
    own frame) → g's page pixel → bilinear sample."""
    from scipy.ndimage import map_coordinates

    xu, yu = ref.page_to_units(*grid)
    xs, ys = g.units_to_page(xu + offset[0], yu + offset[1])
    return map_coordinates(m.soft.astype(float), [ys - m.y0 - 0.5, xs - m.x0 - 0.5], order=1, cval=0.0)


def fuse_instances(ref: Glyph, ref_mask: GlyphMask, members: Sequence[Tuple[Glyph, GlyphMask]]):
    """Align every member's mask to the reference's grid → (stack of aligned masks, offsets in units, the
    padded grid's origin)."""
    from skimage.registration import phase_cross_correlation

    h, w = ref_mask.soft.shape
    x0, y0 = ref_mask.x0 - PAD_PX, ref_mask.y0 - PAD_PX
    cols, rows = np.meshgrid(np.arange(w + 2 * PAD_PX), np.arange(h + 2 * PAD_PX))
    grid = (cols + x0 + 0.5, rows + y0 + 0.5)
    ref_img = np.pad(ref_mask.soft.astype(float), PAD_PX)
    c_ref = _centroid_units(ref, ref_mask)
    stack, offsets = [], []
    for g, m in members:
        offset = _centroid_units(g, m) - c_ref
        img = _resample(ref, grid, g, m, offset)
        shift, _, _ = phase_cross_correlation(ref_img, img, upsample_factor=20, normalization=None)
        # the image must move by `shift` (rows, cols) to match: the member's ink sits that far the other way
        offset = offset - np.array([shift[1], -shift[0]]) * ref.units_per_px
        stack.append(_resample(ref, grid, g, m, offset).astype(np.float32))
        offsets.append(offset)
    return np.array(stack), offsets, (x0, y0)


def consensus(glyphs: Sequence[Glyph], masks: Dict[str, GlyphMask], outlines: Dict[str, Outline],
              layouts: Sequence[PageLayout], tolerance: float = 2.0) -> Consensus:
    """The consensus stage (see the module's docstring): characters seen MIN_INSTANCES times or more get one
    outline from their agreeing prints."""
    from .vectorize import TraceOptions, tolerance_for, trace

    edge = {layout.page: layout.ink.edge_width for layout in layouts}
    by_char: Dict[str, List[Glyph]] = {}
    for g in glyphs:
        if g.char and g.id in masks and g.id in outlines and float(masks[g.id].soft.sum()) > 0:
            by_char.setdefault(g.char, []).append(g)
    new_outlines = dict(outlines)
    names: Dict[str, Optional[str]] = {}
    fused: Dict[str, int] = {}
    for ch, group in by_char.items():
        if len(group) < MIN_INSTANCES:
            continue
        if len(group) > MAX_PRINTS:
            group = [group[k] for k in np.linspace(0, len(group) - 1, MAX_PRINTS).round().astype(int)]
        areas = [float(masks[g.id].soft.sum()) for g in group]
        ref = group[int(np.argsort(areas)[len(areas) // 2])]  # the print of median ink: neither spread nor thin
        stack, offsets, (x0, y0) = fuse_instances(ref, masks[ref.id], [(g, masks[g.id]) for g in group])
        median = np.median(stack, axis=0)
        med_bin = median >= 0.5
        ious = [float((s >= 0.5)[med_bin].sum() / max(1, ((s >= 0.5) | med_bin).sum())) for s in stack]
        keep = [k for k, v in enumerate(ious) if v >= MIN_IOU]
        if len(keep) < MIN_INSTANCES:
            continue
        fused_mask = GlyphMask(ref.id, x0, y0, np.median(stack[keep], axis=0).astype(np.float32))
        # the median of n prints has a steadier edge than any one of them: the tolerance that a noisy page's
        # edge calls for (tolerance_for) shrinks as the edge's noise does, with √n
        edge_px = edge[ref.page] / np.sqrt(len(keep))
        outline = trace(fused_mask, ref, TraceOptions(tolerance=tolerance_for(tolerance, edge_px)))
        holder = min((group[k] for k in keep), key=lambda g: (g.page, g.order))
        for k in keep:
            g = group[k]
            dx, dy = offsets[k]
            new_outlines[g.id] = Outline([[(x + dx, y + dy, t) for x, y, t in c] for c in outline.contours])
            names[g.id] = holder.name
            fused[g.id] = len(keep)
    new_glyphs = [replace(g, name=names[g.id]) if g.id in names else g for g in glyphs]
    return Consensus(new_glyphs, new_outlines, fused)
