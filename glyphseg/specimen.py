"""Synthetic specimens rendered from font files, with exact ground truth.

Used by the tests, the benchmark and the script that makes the bundled demo specimen. Each rendered glyph
keeps the affine map from its font units to page pixels, so the true outline can be laid over any answer.
Rendering is FreeType's (glyphseg.raster.glyph_coverage): exact area coverage, the same antialiasing a
PDF renderer or a good scanner gives.

render_composed sets a specimen-book page instead: several faces in blocks, with rules, an ornament, a frame
and a page number, which its ground truth keeps apart from the glyphs (Specimen.elements).
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field, replace
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

from .geometry import ink_bounds
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
    face: int = 0  # which face of the page set it (render_composed); -1 for a page number's digits

    def font_to_page(self, x, y):
        m = self.matrix
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        return m[0, 0] * x + m[0, 1] * y + m[0, 2], m[1, 0] * x + m[1, 1] * y + m[1, 2]


@dataclass
class TrueElement:
    """Ink on a composed page that belongs to no face: a "rule", an "ornament", a "frame" around a block, or the
    page "number" (whose digits are also in Specimen.glyphs, with face -1)."""
    kind: str
    bbox: tuple  # ink box in page pixels (x0, y0, x1, y1), floats
    hole: Optional[tuple] = None  # a frame's inside: free of the frame's ink (what it frames is not the element)


@dataclass
class Specimen:
    image: np.ndarray  # uint8 gray, 255 paper
    dpi: float
    font_path: str
    size_pt: float
    glyphs: List[TrueGlyph]
    coverage: np.ndarray = field(repr=False, default=None)  # float ink coverage before degradation
    elements: list = field(default_factory=list)  # TrueElement: ink that is no glyph (rules, ornaments, …)

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
        bounds = ink_bounds(glyph_set[name], glyph_set)
        if bounds is None:
            continue
        xmin, ymin, xmax, ymax = bounds
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


def _map_box(box, m: np.ndarray):
    """The four corners of a page box through a page-pixel affine map: (xs, ys)."""
    x0, y0, x1, y1 = box
    xs = np.array([x0, x1, x1, x0], float)
    ys = np.array([y0, y0, y1, y1], float)
    return m[0, 0] * xs + m[0, 1] * ys + m[0, 2], m[1, 0] * xs + m[1, 1] * ys + m[1, 2]


def _affine_elements(elements: list, m: np.ndarray) -> list:
    """Apply a page-pixel affine map (as _affine_glyphs) to true elements: the box around the mapped ink box,
    and for a frame's hole the box inside the mapped hole, so that the hole still holds none of its ink."""
    out = []
    for e in elements:
        xs, ys = _map_box(e.bbox, m)
        hole = None
        if e.hole is not None:
            # a slightly rotated rectangle: its second-smallest and second-largest corner coordinates bound
            # an upright box inside it
            hx, hy = (np.sort(v) for v in _map_box(e.hole, m))
            hole = (float(hx[1]), float(hy[1]), float(hx[2]), float(hy[2]))
        out.append(replace(e, bbox=(float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())), hole=hole))
    return out


def rotate_specimen(spec: Specimen, angle_deg: float) -> Specimen:
    """Rotate the page about its centre (positive: lines rise to the right), keeping the ground truth exact."""
    h, w = spec.image.shape
    m_cv = cv2.getRotationMatrix2D((w / 2.0 - 0.5, h / 2.0 - 0.5), angle_deg, 1.0)
    img = cv2.warpAffine(spec.image, m_cv, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)
    # OpenCV puts pixel centres on integers, glyphseg on half-integers: shift in and out.
    m = m_cv.copy()
    m[:, 2] = m_cv[:, 2] - m_cv[:, :2] @ np.array([0.5, 0.5]) + 0.5
    return replace(spec, image=img, glyphs=_affine_glyphs(spec.glyphs, m),
                   elements=_affine_elements(spec.elements, m))


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


# ----------------------------------------------------------------------------------------------------------
# Composed specimen-book pages: several faces (a font, at one or more sizes) in blocks down one page, with
# the things a specimen book prints that are no glyphs: rules between the blocks, an ornament, a frame
# around a block and the page number. The ground truth keeps both apart (Specimen.glyphs, Specimen.elements).

Block = Tuple[str, float, Sequence[str], int]  # (font path, size in pt, lines, face index)

LEADING = 1.3  # baseline to baseline, in em of the block's size
GAP_EM = 1.2  # between blocks, in em of the larger of the two sizes: a rule in it stays ~0.4 em off the text
FRAME_GAP_EM = 1.4  # extra gap on each side of a framed block: room for the frame and the rule beside it
FRAME_PAD_EM = 0.5  # frame to the framed block's ink
CLEAR_EM = 0.6  # least room between an ornament and any other ink, in em of the largest size
FRAME_CHANCE, WAVY_CHANCE = 0.4, 0.3
SUPERSAMPLE = 4  # rules and ornaments are filled at 4 × 4 samples a pixel: antialiased like the glyphs


@dataclass
class _Font:
    font: TTFont
    glyph_set: object
    cmap: dict
    upem: int
    ascender: float  # font units, hhea
    descender: float  # font units, hhea (negative)

    @classmethod
    def open(cls, path: str) -> "_Font":
        font = TTFont(path)
        return cls(font, font.getGlyphSet(), font.getBestCmap(), font["head"].unitsPerEm,
                   font["hhea"].ascent, font["hhea"].descent)

    def advance(self, text: str, scale: float) -> float:
        """Width of `text` set at the font's own advances (tracking 0), characters it lacks left out."""
        return sum(self.glyph_set[self.cmap[ord(c)]].width for c in font_chars(self.font, text)) * scale


def _px_per_unit(f: _Font, size_pt: float, dpi: float) -> float:
    return size_pt / 72.0 * dpi / f.upem


def wrap_words(font_path: str, size_pt: float, words, width_px: float, dpi: float) -> List[str]:
    """Fill lines with `words` (a list, or a string split at spaces) up to `width_px`, at the font's own
    advances: the lines of a text block for render_composed. A word wider than the width stands alone."""
    f = _Font.open(font_path)
    scale = _px_per_unit(f, size_pt, dpi)
    lines: List[str] = []
    for word in (words.split() if isinstance(words, str) else words):
        if lines and f.advance(lines[-1] + " " + word, scale) <= width_px:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _add_coverage(coverage: np.ndarray, box, arr: np.ndarray) -> None:
    """Combine ink into the page as render_specimen does: overlapping coverages multiply their paper."""
    X0, Y0, X1, Y1 = box
    region = coverage[Y0:Y1, X0:X1]
    region[...] = 1.0 - (1.0 - region) * (1.0 - arr)


def _set_line(coverage: np.ndarray, f: _Font, text: str, scale: float, x: float, baseline: float, line: int,
              face: int) -> List[TrueGlyph]:
    """Set one line of text from pen position (x, baseline), render it into `coverage`, return its glyphs."""
    glyphs = []
    for ch in font_chars(f.font, text):
        name = f.cmap[ord(ch)]
        glyph = f.glyph_set[name]
        bounds = ink_bounds(glyph, f.glyph_set)
        if bounds is not None:  # a space: advance only
            xmin, ymin, xmax, ymax = bounds
            matrix = np.array([[scale, 0.0, x], [0.0, -scale, baseline]])
            bbox = (x + xmin * scale, baseline - ymax * scale, x + xmax * scale, baseline - ymin * scale)
            box = pixel_box(bbox, pad=2)
            _add_coverage(coverage, box, glyph_coverage(glyph, matrix, box, f.glyph_set))
            glyphs.append(TrueGlyph(ch, name, line, matrix, bbox, face=face))
        x += glyph.width * scale
    return glyphs


def _paint(coverage: np.ndarray, polys: Sequence[np.ndarray]) -> tuple:
    """Fill polygons (page pixel coordinates, N × 2) into `coverage`, antialiased by supersampling; overlapping
    polygons make one shape. Returns their ink box (x0, y0, x1, y1), clipped to the page."""
    pts = np.concatenate(polys)
    h, w = coverage.shape
    box = X0, Y0, X1, Y1 = pixel_box((*pts.min(0), *pts.max(0)), pad=1, shape=(h, w))
    ss = SUPERSAMPLE
    canvas = np.zeros(((Y1 - Y0) * ss, (X1 - X0) * ss), np.uint8)
    for p in polys:
        # OpenCV's integer coordinates are pixel centres (ours are corners): −0.5; 4 bits of subpixel position
        q = np.round(((p - [X0, Y0]) * ss - 0.5) * 16).astype(np.int32)
        cv2.fillPoly(canvas, [q], 255, lineType=cv2.LINE_8, shift=4)
    arr = cv2.resize(canvas, (X1 - X0, Y1 - Y0), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    _add_coverage(coverage, box, arr)
    x0, y0 = np.maximum(pts.min(0), 0.0)
    x1, y1 = np.minimum(pts.max(0), [w, h])
    return float(x0), float(y0), float(x1), float(y1)


def _stroke(points: np.ndarray, widths: np.ndarray) -> List[np.ndarray]:
    """A stroke of varying width along a polyline, as one small quad per segment (each convex, so any fill rule
    fills it; together they make the band even where it turns tightly)."""
    d = np.gradient(points, axis=0)
    n = np.stack([-d[:, 1], d[:, 0]], 1) / np.maximum(np.linalg.norm(d, axis=1), 1e-9)[:, None]
    left, right = points + n * widths[:, None] / 2, points - n * widths[:, None] / 2
    return [np.array([left[i], left[i + 1], right[i + 1], right[i]]) for i in range(len(points) - 1)]


def _disc(cx: float, cy: float, r: float, n: int = 48) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], 1)


def _leaf(length: float, width: float, angle: float) -> np.ndarray:
    """A pointed leaf from the origin, `angle` radians from straight up (page y down), as one polygon."""
    u = np.linspace(0.0, 1.0, 40)
    half = width / 2 * np.sin(np.pi * u) ** 0.8 * (1.0 - 0.35 * u)  # fuller near the stem, a sharp tip
    pts = np.concatenate([np.stack([-half, -u * length], 1), np.stack([half, -u * length], 1)[::-1]])
    c, s = math.cos(angle), math.sin(angle)
    return pts @ np.array([[c, s], [-s, c]])


def _fleuron(rng: np.random.Generator) -> List[np.ndarray]:
    """A 1920s-style fleuron in arbitrary units: a leaf standing on a stem that curls into a spiral with a ball
    terminal at each end, sometimes two side leaves, and a separate lozenge below (an ornament is often in
    several pieces)."""
    R = 1.0  # the spirals' outer radius
    D = R * rng.uniform(1.1, 1.5)  # centre to where each spiral starts
    w0 = R * rng.uniform(0.12, 0.2)  # stroke width at the stem
    turns, ratio = rng.uniform(1.1, 1.8), rng.uniform(0.2, 0.35)
    # the stem runs a hair into each spiral: two polygons that only share an edge leave a hairline seam
    polys = _stroke(np.array([[-D - 0.1 * w0, 0.0], [D + 0.1 * w0, 0.0]]), np.array([w0, w0]))
    t = np.linspace(0.0, turns * 2 * np.pi, 240)
    r = R * ratio ** (t / t[-1])
    widths = w0 * (1.0 - 0.55 * t / t[-1])
    for side in (-1, 1):
        # from the stem's end (the spiral's lowest point) outwards, up, back over and inwards
        theta = np.pi / 2 - t
        pts = np.stack([side * (D + r * np.cos(theta)), -R + r * np.sin(theta)], 1)
        polys += _stroke(pts, widths)
        polys.append(_disc(*pts[-1], widths[-1] * 1.2))
    length = R * rng.uniform(1.6, 2.4)
    polys.append(_leaf(length, length * rng.uniform(0.3, 0.45), 0.0))
    if rng.random() < 0.5:
        for side in (-1, 1):
            polys.append(_leaf(length * 0.6, length * 0.22, side * rng.uniform(0.7, 1.1)))
    lz, top = w0 * 1.6, w0 * 1.6  # the lozenge: its half height, and its gap below the stem
    polys.append(np.array([[0, top], [lz * 0.7, top + lz], [0, top + 2 * lz], [-lz * 0.7, top + lz]]))
    return polys


def _rule(rng: np.random.Generator, x_mid: float, y: float, length: float, thickness: float,
          em: float) -> List[np.ndarray]:
    """A horizontal rule centred at (x_mid, y): straight, or now and then a wavy band (a sine, as in old
    specimen books) of the same thickness."""
    x0, x1 = x_mid - length / 2, x_mid + length / 2
    if rng.random() >= WAVY_CHANCE:
        return [np.array([[x0, y - thickness / 2], [x1, y - thickness / 2], [x1, y + thickness / 2],
                          [x0, y + thickness / 2]])]
    period, amp = em * rng.uniform(0.4, 0.8), em * rng.uniform(0.06, 0.12)
    xs = np.linspace(x0, x1, max(16, int(length / 2)))
    ys = y + amp * np.sin(2 * np.pi * (xs - x0) / period)
    return [np.concatenate([np.stack([xs, ys - thickness / 2], 1), np.stack([xs, ys + thickness / 2], 1)[::-1]])]


def _frame(box, pad: float, thickness: float) -> tuple:
    """A rectangular border `pad` outside `box`: its four sides as polygons, its outer box and its hole."""
    x0, y0, x1, y1 = box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad
    X0, Y0, X1, Y1 = x0 - thickness, y0 - thickness, x1 + thickness, y1 + thickness
    sides = [np.array([[a, b], [c, b], [c, d], [a, d]], float) for a, b, c, d in
             ((X0, Y0, X1, y0), (X0, y1, X1, Y1), (X0, y0, x0, y1), (x1, y0, X1, y1))]
    return sides, (X0, Y0, X1, Y1), (x0, y0, x1, y1)


def _union(boxes) -> tuple:
    b = np.array(list(boxes), float)
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def _place_ornament(rng: np.random.Generator, free: List[tuple], em: float):
    """Where a fleuron 2–5 em wide goes: a (polygons, scale, offset) in one of the `free` boxes, shrunk to fit
    when needed (never under 2 em), or None when no box holds one."""
    polys = _fleuron(rng)
    ux0, uy0, ux1, uy1 = _union((*p.min(0), *p.max(0)) for p in polys)
    uw, uh = ux1 - ux0, uy1 - uy0
    want = em * rng.uniform(2.0, 5.0)
    fits = [(min(want, b[2] - b[0], (b[3] - b[1]) * uw / uh), b) for b in free]
    fits = [(w, b) for w, b in fits if w >= 2.0 * em]
    if not fits:
        return None
    width, (bx0, by0, bx1, by1) = fits[int(rng.integers(len(fits)))]
    s = width / uw
    x = bx0 + rng.uniform(0, (bx1 - bx0) - width)
    y = by0 + rng.uniform(0, (by1 - by0) - uh * s)
    return [(p - [ux0, uy0]) * s + [x, y] for p in polys]


def render_composed(blocks: Sequence[Block], dpi: float = 400, page_in: Tuple[float, float] = (8.5, 11.0),
                    margin_in: float = 0.6, rules: bool = True, ornament: bool = True, page_number: bool = True,
                    seed: int = 0) -> Specimen:
    """A specimen-book page: `blocks` (font path, size in pt, lines, face index) stacked top to bottom at the
    fonts' own advances, leading 1.3, 1.2 em of the larger size between blocks; with `rules` a rule in each
    gap, with `ornament` a fleuron where there is room (and sometimes a frame around one block), with
    `page_number` a number centred in the bottom margin, 0.7 × the smallest size, in the first block's font.
    Everything is drawn from `seed`; all ink is in `coverage`, so `degrade` works on the page as on any.

    Blocks that share a face index are one face (the same font at two sizes). Glyph `line` counts lines over
    the whole page, in reading order; the page number comes last (face -1, and a "number" element). Rules,
    ornament and frame are only in `elements`. Raises ValueError when a line is wider than the text width
    (see wrap_words) or the blocks do not fit on the page.
    """
    rng = np.random.default_rng(seed)
    W, H = int(round(page_in[0] * dpi)), int(round(page_in[1] * dpi))
    margin = margin_in * dpi
    coverage = np.zeros((H, W), np.float32)
    fonts = {path: _Font.open(path) for path, *_ in blocks}
    ems = [size / 72.0 * dpi for _, size, _, _ in blocks]
    max_em = max(ems)
    framed = int(rng.integers(len(blocks))) if ornament and rng.random() < FRAME_CHANCE else -1

    glyphs: List[TrueGlyph] = []
    elements: List[TrueElement] = []
    taken: List[tuple] = []  # each block's box (its frame's, when framed), for the ornament to keep clear of
    y, line = margin, 0
    for bi, (path, size, lines, face) in enumerate(blocks):
        f, em = fonts[path], ems[bi]
        scale = _px_per_unit(f, size, dpi)
        if bi:
            gap = max(em, ems[bi - 1]) * (GAP_EM + (FRAME_GAP_EM if framed in (bi - 1, bi) else 0.0))
            if rules:
                # thickness and length from the block above, as a compositor sets a rule under a block
                length = (W - 2 * margin) * rng.uniform(0.6, 1.0)
                polys = _rule(rng, W / 2, y + gap / 2, length, ems[bi - 1] * rng.uniform(0.04, 0.12), ems[bi - 1])
                elements.append(TrueElement("rule", _paint(coverage, polys)))
            y += gap
        top = y
        block_glyphs = []
        for text in lines:
            if margin + f.advance(text, scale) > W - margin:
                raise ValueError(f"line {text!r} at {size:g} pt is wider than the text width (see wrap_words)")
            if y + (f.ascender - f.descender) * scale > H - margin:
                raise ValueError(f"the blocks do not fit on a {page_in[0]:g} × {page_in[1]:g} in page")
            block_glyphs += _set_line(coverage, f, text, scale, margin, y + f.ascender * scale, line, face)
            line += 1
            y += LEADING * em
        y += (f.ascender - f.descender) * scale - LEADING * em  # the last line's full depth, not a leading
        glyphs += block_glyphs
        ink = _union(g.bbox for g in block_glyphs) if block_glyphs else (margin, top, margin, y)
        if bi == framed:
            sides, outer, hole = _frame(ink, em * FRAME_PAD_EM, em * rng.uniform(0.04, 0.08))
            _paint(coverage, sides)
            elements.append(TrueElement("frame", outer, hole))
            ink = outer
        taken.append((ink[0], min(top, ink[1]), ink[2], max(y, ink[3])))

    if ornament:
        clear = CLEAR_EM * max_em
        # room to the right of each block, and below the last one down to the bottom margin
        free = [(b[2] + clear, b[1], W - margin, b[3]) for b in taken]
        free.append((margin, taken[-1][3] + clear, W - margin, H - margin))
        polys = _place_ornament(rng, [b for b in free if b[2] > b[0] and b[3] > b[1]], max_em)
        if polys is not None:
            elements.append(TrueElement("ornament", _paint(coverage, polys)))

    if page_number:
        number = _page_number(coverage, rng, fonts[blocks[0][0]], min(blocks, key=lambda b: b[1])[1] * 0.7, dpi,
                              W, H - margin / 2, line)
        glyphs += number
        elements.append(TrueElement("number", _union(g.bbox for g in number)))

    image = np.clip(np.round(255.0 * (1.0 - coverage)), 0, 255).astype(np.uint8)
    return Specimen(image=image, dpi=dpi, font_path=blocks[0][0], size_pt=blocks[0][1], glyphs=glyphs,
                    coverage=coverage, elements=elements)


def _page_number(coverage: np.ndarray, rng: np.random.Generator, f: _Font, size_pt: float, dpi: float,
                 width: int, y_mid: float, line: int) -> List[TrueGlyph]:
    """A 1–3 digit page number centred on `y_mid` across the page: its glyphs, face -1, on line `line`."""
    digits = int(rng.integers(1, 4))
    text = str(int(rng.integers(10 ** (digits - 1), 10 ** digits)))
    scale = _px_per_unit(f, size_pt, dpi)
    cap = size_pt / 72.0 * dpi * 0.7  # about a figure's height
    return _set_line(coverage, f, text, scale, (width - f.advance(text, scale)) / 2, y_mid + cap / 2, line, -1)
