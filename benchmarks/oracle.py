"""An answer built from the ground truth itself, written through glyphseg's own exporter.

It proves the scorer right: the truth must score F1 = 1, IoU > 0.99 and a boundary distance of about 0
(only the UFO's integer coordinates at 1000 units per em differ), and a deliberately shifted, jittered or
blurred answer must score worse. tests/test_bench.py runs it.
"""
from __future__ import annotations

import math
from typing import Optional, Tuple

import numpy as np
from fontTools.pens.pointPen import AbstractPointPen, SegmentToPointPen
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

from glyphseg.raster import glyph_coverage, pixel_box
from glyphseg.types import Extraction, FontMetrics, Glyph, GlyphMask, Outline, Page


class _Collect(AbstractPointPen):
    def __init__(self):
        self.contours = []

    def beginPath(self, identifier=None, **kwargs):  # noqa: N802
        self.contours.append([])

    def endPath(self):  # noqa: N802
        pass

    def addPoint(self, pt, segmentType=None, smooth=False, name=None, identifier=None, **kwargs):  # noqa: N802,N803
        self.contours[-1].append((float(pt[0]), float(pt[1]), segmentType))

    def addComponent(self, *args, **kwargs):  # noqa: N802 - decomposed before
        raise AssertionError("components are decomposed first")


def font_outline(glyph_set, name: str, scale: float) -> Outline:
    rec = DecomposingRecordingPen(glyph_set)
    glyph_set[name].draw(rec)
    col = _Collect()
    rec.replay(TransformPen(SegmentToPointPen(col), (scale, 0, 0, scale, 0, 0)))
    return Outline([c for c in col.contours if c])


def truth_extraction(spec, shift: Tuple[float, float] = (0.0, 0.0), jitter_units: float = 0.0,
                     blur_px: float = 0.0, seed: int = 0, family: str = "Oracle") -> Extraction:
    """The specimen's truth as an `Extraction`: exact outlines at 1000 units per em, each glyph's true
    font-unit → page map, its coverage as the mask. `shift` moves everything on the page (px), `jitter_units`
    moves every outline point randomly (font units), `blur_px` blurs the masks (Gaussian sigma, px)."""
    import cv2

    font = TTFont(spec.font_path)
    gs = font.getGlyphSet()
    upem = font["head"].unitsPerEm
    k = 1000.0 / upem
    rng = np.random.default_rng(seed)
    h, w = spec.image.shape
    dx, dy = shift
    glyphs, outlines, masks, unicodes = [], {}, {}, {}
    for n, tg in enumerate(spec.glyphs):
        m = tg.matrix
        scale = math.hypot(m[0, 0], m[1, 0])  # page px per font unit
        angle = math.degrees(math.atan2(-m[1, 0], m[0, 0]))
        x0, y0, x1, y1 = tg.bbox
        box = pixel_box(tg.bbox, pad=3, shape=(h, w))
        gid = f"p1-{n + 1:04d}"
        name = tg.glyph_name
        g = Glyph(id=gid, page=0, bbox=(int(math.floor(x0 + dx)), int(math.floor(y0 + dy)),
                                        int(math.ceil(x1 + dx)), int(math.ceil(y1 + dy))),
                  components=(), line=tg.line, order=n, char=tg.char, name=name, score=1.0,
                  origin=(m[0, 2] + dx, m[1, 2] + dy), units_per_px=k / scale, angle=angle,
                  advance=int(round(gs[name].width * k)))
        outline = font_outline(gs, name, k)
        if jitter_units:
            outline = Outline([[(x + rng.uniform(-jitter_units, jitter_units),
                                 y + rng.uniform(-jitter_units, jitter_units), s) for x, y, s in c]
                               for c in outline.contours])
        cov = glyph_coverage(gs[name], m, box, gs).astype(np.float32)
        if blur_px:
            cov = cv2.GaussianBlur(cov, (0, 0), blur_px)
        ix, iy = int(round(dx)), int(round(dy))
        masks[gid] = GlyphMask(gid, box[0] + ix, box[1] + iy, cov)
        glyphs.append(g)
        outlines[gid] = outline
        unicodes[name] = ord(tg.char)
    os2 = font["OS/2"]
    metrics = FontMetrics(1000, int(round(os2.sTypoAscender * k)), int(round(os2.sTypoDescender * k)),
                          int(round(getattr(os2, "sxHeight", 0) * k)) or 500,
                          int(round(getattr(os2, "sCapHeight", 0) * k)) or 700)
    page = Page(0, "truth.png", spec.dpi, spec.image)
    return Extraction(pages=[page], glyphs=glyphs, lines=[], masks=masks, outlines=outlines, metrics=metrics,
                      family=family, style="Regular", unicodes=unicodes, timings={"segmenter": "truth"})


def write_truth_answer(spec, outdir: str, **kwargs) -> str:
    from glyphseg.export import write_extraction

    return write_extraction(truth_extraction(spec, **kwargs), outdir, force=True)


def shifted_boxes(spec, dx: float, dy: float = 0.0, scale: Optional[float] = None):
    out = []
    for x0, y0, x1, y1 in (g.bbox for g in spec.glyphs):
        if scale:
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            x0, x1 = cx + (x0 - cx) * scale, cx + (x1 - cx) * scale
            y0, y1 = cy + (y0 - cy) * scale, cy + (y1 - cy) * scale
        out.append((x0 + dx, y0 + dy, x1 + dx, y1 + dy))
    return out
