"""Synthetic specimens rendered from font files, with exact ground truth.

Used by the tests, the benchmark and the script that makes the bundled demo specimen. Each rendered glyph
keeps the affine map from its font units to page pixels, so the true outline can be laid over any answer.
Rendering is FreeType's (glyphseg.raster.glyph_coverage): exact area coverage, the same antialiasing a
PDF renderer or a good scanner gives.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field, replace
from typing import List, Optional, Sequence

import cv2
import numpy as np
from fontTools.pens.basePen import BasePen
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from .raster import glyph_coverage, pixel_box

DEFAULT_LINES = [
    "ABCDEFGHIJKLM",
    "NOPQRSTUVWXYZ",
    "abcdefghijklm",
    "nopqrstuvwxyz",
    "0123456789",
    "&?!;:%\"äéÖ",
]


@dataclass
class TrueGlyph:
    char: str
    glyph_name: str
    line: int
    matrix: np.ndarray  # 2×3: font units (x, y up) → page pixels (x right, y down)
    bbox: tuple  # ink box in page pixels (x0, y0, x1, y1), floats

    def font_to_page(self, x, y):
        m = self.matrix
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        return m[0, 0] * x + m[0, 1] * y + m[0, 2], m[1, 0] * x + m[1, 1] * y + m[1, 2]


@dataclass
class Specimen:
    image: np.ndarray  # uint8 gray, 255 paper
    dpi: float
    font_path: str
    size_pt: float
    glyphs: List[TrueGlyph]
    coverage: np.ndarray = field(repr=False, default=None)  # float ink coverage before degradation

    @property
    def text(self) -> str:
        return "".join(g.char for g in self.glyphs)


def font_chars(font: TTFont, chars: str) -> str:
    cmap = font.getBestCmap()
    return "".join(c for c in chars if ord(c) in cmap)


def render_specimen(font_path: str, lines: Sequence[str] = DEFAULT_LINES, dpi: float = 600, size_pt: float = 14,
                    tracking_em: float = 0.12, leading: float = 1.7, margin_in: float = 0.4) -> Specimen:
    """Set `lines` in the font (characters it lacks are left out), one glyph after another with extra
    tracking, and render them antialiased at `dpi`."""
    font = TTFont(font_path)
    glyph_set = font.getGlyphSet()
    cmap = font.getBestCmap()
    upem = font["head"].unitsPerEm
    scale = size_pt / 72.0 * dpi / upem  # px per font unit
    em_px = upem * scale
    margin = margin_in * dpi

    placed = []  # (char, name, pen_x, baseline_y, line)
    widths = []
    for li, text in enumerate(lines):
        x = margin
        baseline = margin + em_px * (0.9 + li * leading)
        for ch in font_chars(font, text):
            name = cmap[ord(ch)]
            placed.append((ch, name, x, baseline, li))
            x += glyph_set[name].width * scale + tracking_em * em_px
        widths.append(x)
    width = int(math.ceil(max(widths) + margin))
    height = int(math.ceil(margin + em_px * (0.9 + (len(lines) - 1) * leading + 0.4) + margin))
    coverage = np.zeros((height, width), np.float32)
    glyphs = []
    for ch, name, pen_x, baseline, li in placed:
        bp = BoundsPen(glyph_set)
        glyph_set[name].draw(bp)
        if bp.bounds is None:
            continue
        xmin, ymin, xmax, ymax = bp.bounds
        matrix = np.array([[scale, 0.0, pen_x], [0.0, -scale, baseline]])
        bbox = (pen_x + xmin * scale, baseline - ymax * scale, pen_x + xmax * scale, baseline - ymin * scale)
        box = X0, Y0, X1, Y1 = pixel_box(bbox, pad=2)
        arr = glyph_coverage(glyph_set[name], matrix, box, glyph_set)
        region = coverage[Y0:Y1, X0:X1]
        region[...] = 1.0 - (1.0 - region) * (1.0 - arr)
        glyphs.append(TrueGlyph(ch, name, li, matrix, bbox))
    image = np.clip(np.round(255.0 * (1.0 - coverage)), 0, 255).astype(np.uint8)
    return Specimen(image=image, dpi=dpi, font_path=font_path, size_pt=size_pt, glyphs=glyphs, coverage=coverage)


def _affine_glyphs(glyphs: List[TrueGlyph], m: np.ndarray) -> List[TrueGlyph]:
    """Apply a page-pixel affine map (2×3, our pixel-square convention) to the ground truth."""
    out = []
    A = np.vstack([m, [0, 0, 1]])
    for g in glyphs:
        gm = np.vstack([g.matrix, [0, 0, 1]])
        new = (A @ gm)[:2]
        x0, y0, x1, y1 = g.bbox
        xs = np.array([x0, x1, x1, x0])
        ys = np.array([y0, y0, y1, y1])
        nx = m[0, 0] * xs + m[0, 1] * ys + m[0, 2]
        ny = m[1, 0] * xs + m[1, 1] * ys + m[1, 2]
        out.append(replace(g, matrix=new, bbox=(nx.min(), ny.min(), nx.max(), ny.max())))
    return out


def rotate_specimen(spec: Specimen, angle_deg: float) -> Specimen:
    """Rotate the page about its centre (positive: lines rise to the right), keeping the ground truth exact."""
    h, w = spec.image.shape
    m_cv = cv2.getRotationMatrix2D((w / 2.0 - 0.5, h / 2.0 - 0.5), angle_deg, 1.0)
    img = cv2.warpAffine(spec.image, m_cv, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)
    # OpenCV puts pixel centres on integers, glyphseg on half-integers: shift in and out.
    m = m_cv.copy()
    m[:, 2] = m_cv[:, 2] - m_cv[:, :2] @ np.array([0.5, 0.5]) + 0.5
    return replace(spec, image=img, glyphs=_affine_glyphs(spec.glyphs, m))


def degrade(spec: Specimen, level: str, seed: int = 0) -> Specimen:
    """Print and scan the specimen: 'clean' (as rendered), 'mild' (grey paper and ink, blur, noise, a slight
    rotation, JPEG) or 'harsh' (ink spread or thinning, uneven light, paper texture, show-through, specks)."""
    if level == "clean":
        return spec
    rng = np.random.default_rng(seed)
    if level not in ("mild", "harsh"):
        raise ValueError(f"unknown degradation level {level!r}")
    angle = float(rng.uniform(0.3, 0.9) * rng.choice([-1, 1]))
    cov = spec.coverage.astype(np.float32)
    if level == "harsh":
        # ink spread (positive) or thinning (negative): shift the edge by blurring and re-thresholding softly
        spread = float(rng.uniform(-0.6, 0.9))
        blurred = cv2.GaussianBlur(cov, (0, 0), 1.2)
        cov = np.clip((blurred - (0.5 - 0.25 * spread)) * 2.5 + 0.5, 0, 1)
    h, w = cov.shape
    paper, ink = (238.0, 35.0) if level == "mild" else (225.0, 55.0)
    img = paper - (paper - ink) * cov
    if level == "harsh":
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        light = 1.0 - 0.18 * ((xx / w - rng.uniform(0.2, 0.8)) ** 2 + (yy / h - rng.uniform(0.2, 0.8)) ** 2)
        texture = cv2.GaussianBlur(rng.normal(0, 6, (h, w)).astype(np.float32), (0, 0), 2.0)
        show = cv2.GaussianBlur(np.fliplr(cov), (0, 0), 3.0) * 40.0
        img = img * light + texture - show
        specks = rng.random((h, w)) < 0.00015
        img[cv2.dilate(specks.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] = ink
    img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 0.9 if level == "mild" else 1.2)
    img = img + rng.normal(0, 5.0 if level == "mild" else 9.0, img.shape)
    img8 = np.clip(np.round(img), 0, 255).astype(np.uint8)
    out = replace(spec, image=img8)
    out = rotate_specimen(out, angle)
    ok, buf = cv2.imencode(".jpg", out.image, [cv2.IMWRITE_JPEG_QUALITY, 88 if level == "mild" else 75])
    out.image = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return out


def save_png(spec: Specimen, path: str) -> None:
    from PIL import Image

    Image.fromarray(spec.image).save(path, dpi=(spec.dpi, spec.dpi))


def write_pdf(font_path: str, path: str, lines: Sequence[str] = DEFAULT_LINES, size_pt: float = 14,
              tracking_em: float = 0.12, leading: float = 1.7, margin_in: float = 0.4, title: Optional[str] = None):
    """A vector PDF specimen: each glyph drawn as its outline path (no font embedded), with reportlab.

    Returns the ground truth in PDF points (origin top-left, y down), so a page rasterized at `dpi`
    maps by the factor dpi/72.
    """
    from reportlab.pdfgen import canvas

    font = TTFont(font_path)
    glyph_set = font.getGlyphSet()
    cmap = font.getBestCmap()
    upem = font["head"].unitsPerEm
    s = size_pt / upem
    margin = margin_in * 72
    rows = []
    widths = []
    for li, text in enumerate(lines):
        x = margin
        row = []
        for ch in font_chars(font, text):
            name = cmap[ord(ch)]
            row.append((ch, name, x))
            x += glyph_set[name].width * s + tracking_em * size_pt
        rows.append(row)
        widths.append(x)
    page_w = max(widths) + margin
    top_pad = (2.2 if title else 0.0) * size_pt
    page_h = margin * 2 + size_pt * (0.9 + (len(lines) - 1) * leading + 0.4) + top_pad
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(page_w, page_h))
    c.setTitle(title or "glyphseg specimen")
    truth = []
    if title:
        # The title is set small and far above: part of a real specimen, and a test of what detection keeps.
        c.setFont("Helvetica", size_pt * 0.5)
        c.drawString(margin, page_h - margin - size_pt * 0.5, title)
    for li, row in enumerate(rows):
        baseline_down = margin + top_pad + size_pt * (0.9 + li * leading)
        for ch, name, x in row:
            p = c.beginPath()
            pen = _ReportlabPen(p, glyph_set, s, x, page_h - baseline_down)
            glyph_set[name].draw(pen)
            c.drawPath(p, stroke=0, fill=1, fillMode=1)  # non-zero winding, as fonts expect
            truth.append(TrueGlyph(ch, name, li, np.array([[s, 0.0, x], [0.0, -s, baseline_down]]), (0, 0, 0, 0)))
    c.showPage()
    c.save()
    with open(path, "wb") as fh:
        fh.write(buf.getvalue())
    return truth


class _ReportlabPen(BasePen):
    """fontTools pen → reportlab path, font units scaled and placed (PDF y is up). BasePen turns quadratic
    TrueType curves into cubics and decomposes components."""

    def __init__(self, path, glyph_set, s, x0, y0):
        super().__init__(glyph_set)
        self.p, self.s, self.x0, self.y0 = path, s, x0, y0

    def _t(self, pt):
        return self.x0 + pt[0] * self.s, self.y0 + pt[1] * self.s

    def _moveTo(self, pt):
        self.p.moveTo(*self._t(pt))

    def _lineTo(self, pt):
        self.p.lineTo(*self._t(pt))

    def _curveToOne(self, p1, p2, p3):
        self.p.curveTo(*self._t(p1), *self._t(p2), *self._t(p3))

    def _closePath(self):
        self.p.close()

    _endPath = _closePath
