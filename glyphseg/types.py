"""Plain data classes passed between the pipeline stages.

The flow (glyphseg.pipeline.extract):  files → Page → PageLayout → Labelling → Frames → Segmentation →
Refined → outlines → Extraction → output folder. Each stage is one module with one entry function that
takes these records and returns new ones; it never edits its inputs. A stage reads the records, never
another stage's internals.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

BBox = Tuple[int, int, int, int]  # x0, y0, x1, y1 in page pixels, x1/y1 exclusive


class GlyphsegError(Exception):
    """An error caused by the user's input; the CLI prints it as one line, without a traceback."""


@dataclass
class Page:
    """One raster page: grayscale, 0 = black ink, 255 = paper."""

    index: int  # position among all pages of this run
    source: str  # file name it came from
    dpi: float
    image: np.ndarray  # uint8, H×W
    source_page: int = 0  # page number inside the source file (0-based)

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@dataclass
class InkMap:
    """What detection learned about a page's ink, reused by the segmenters."""

    ink: np.ndarray  # float32 H×W, 0 = paper, 1 = full ink (illumination-normalised darkness)
    binary: np.ndarray  # bool H×W, ink ≥ 0.5
    components: np.ndarray  # int32 H×W connected-component labels of `binary` (0 = background)
    edge_width: float = 0.65  # px of 10–90 % edge transition after normalisation (detect.edge_width)


@dataclass
class Glyph:
    """A detected glyph: one or more ink components, in page pixels."""

    id: str
    page: int
    bbox: BBox
    components: Tuple[int, ...]  # labels in InkMap.components
    line: int = -1
    order: int = -1  # position in reading order on its page
    char: Optional[str] = None
    name: Optional[str] = None
    score: float = 0.0
    # filled in by metrics: glyph-local font-unit frame
    origin: Tuple[float, float] = (0.0, 0.0)
    units_per_px: float = 1.0
    angle: float = 0.0  # degrees, positive when lines rise to the right
    advance: int = 0
    # filled in by refinement
    refined: bool = False  # the mask was changed to match the character's topology
    topology_ok: Optional[bool] = None  # parts and counters match the character's templates (None: unchecked)
    face: int = 0  # which of the run's typefaces (faces.faces: index into Extraction.faces)
    initial: bool = False  # a decorated initial kept as a glyph of its own (--initials glyph): named W.initial

    @property
    def width(self) -> int:
        return self.bbox[2] - self.bbox[0]

    @property
    def height(self) -> int:
        return self.bbox[3] - self.bbox[1]

    def units_to_page_transform(self) -> "Transform":
        """The glyph frame as a fontTools `Transform`: this glyph's font units (x right, y up) → page pixels
        (x right, y down). The font-unit origin lies at page point `origin`, one page pixel is
        `units_per_px` units, and the font's x axis runs along the line, rotated by `angle` (degrees,
        positive when lines rise to the right):

            x = origin_x + (xu · cos a − yu · sin a) / units_per_px
            y = origin_y − (xu · sin a + yu · cos a) / units_per_px

        Its `.inverse()` maps page pixels to font units; `.translate` / `.transform` compose it with crops.

        >>> g = Glyph(id="g", page=0, bbox=(0, 0, 1, 1), components=(), origin=(100.0, 200.0), units_per_px=10.0)
        >>> g.units_to_page_transform().transformPoint((500, 700))
        (150.0, 130.0)
        """
        from fontTools.misc.transform import Transform

        a = math.radians(self.angle)
        c, s, k = math.cos(a), math.sin(a), self.units_per_px
        return Transform(c / k, -s / k, -s / k, -c / k, self.origin[0], self.origin[1])

    def page_to_units(self, x: np.ndarray, y: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Map page pixel coordinates to this glyph's font units (the inverse of `units_to_page`)."""
        return self._apply(self.units_to_page_transform().inverse(), x, y)

    def units_to_page(self, xu: np.ndarray, yu: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """The manifest's mapping: a UFO point (xu, yu) → page pixel (x, y) (`units_to_page_transform`)."""
        return self._apply(self.units_to_page_transform(), xu, yu)

    @staticmethod
    def _apply(t, x, y) -> Tuple[np.ndarray, np.ndarray]:
        """A fontTools `Transform` applied to arrays of x and y."""
        xx, xy, yx, yy, dx, dy = t
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        return xx * x + yx * y + dx, xy * x + yy * y + dy


@dataclass
class Line:
    """A text line on one page: its glyphs in reading order and its baseline."""

    page: int
    index: int
    glyph_ids: List[str]
    angle: float  # degrees, positive when the line rises to the right
    # Baseline: the set of page points p with n·p = offset, n the line's unit normal pointing down.
    baseline_offset: float = 0.0
    # Body size relative to the run's reference em (Labelling.em_inch): 1 for lines at the main size; a page
    # showing a face at 10 and 24 pt has lines at 1 and 2.4 (metrics.line_sizes).
    size: float = 1.0
    # The block of text it is a line of (glyphseg.detect.text_blocks: name cards or columns side by side are
    # blocks of their own; most pages are one): a line of another block is no neighbour of this one.
    block: int = 0

    def baseline_y(self, x: float) -> float:
        """Page y of the baseline at page x."""
        a = math.radians(self.angle)
        # normal (down) = (sin a, cos a); n·(x, y) = offset  →  y = (offset − x sin a) / cos a
        return (self.baseline_offset - x * math.sin(a)) / math.cos(a)


@dataclass
class PageLayout:
    """Detection's answer for one page (glyphseg.detect.detect): its ink, its glyphs in reading order, its
    lines. Labelling may return a new layout in which glyphs that grouping split are joined."""

    page: int
    ink: InkMap
    glyphs: List[Glyph]
    lines: List[Line]
    text_height: float  # median height of letter-sized components, px
    angle: float  # skew, degrees
    extents: Dict[str, Tuple[float, float, float, float]]  # glyph id → ink extent in the line frame
    dropped: Dict[str, int]  # components set aside: specks, large (rules, ornaments)
    rejected: str = ""  # why the page was set aside as not a specimen (then it has no glyphs)
    elements: List["Element"] = field(default_factory=list)  # what is no type: rules, frames, ornaments
    slant: float = 0.0  # the type's slant, degrees, positive leaning right (an italic); 0 on upright type

    def glyph(self, gid: str) -> Glyph:
        return next(g for g in self.glyphs if g.id == gid)


@dataclass
class Element:
    """Something on the page that is not type: a rule, frame, ornament, page number, decorated initial. It
    stays out of the fonts; the manifest lists it and the report draws it."""

    kind: str  # "rule" | "frame" | "ornament" | "number" | "initial"
    bbox: BBox  # page pixels
    page: int


@dataclass
class FaceFound:
    """One typeface the faces stage found: its lines and what its style measured (glyphseg.faces)."""

    index: int  # Glyph.face of its glyphs; 0 is the face with the most glyphs
    lines: List[Tuple[int, int]]  # (page, line index)
    sizes_pt: List[float]  # the body sizes it is set at
    features: Dict[str, float]  # median style features of its lines (faces.FEATURE_SCALES)
    glyphs: int = 0


@dataclass
class Faces:
    """The faces stage's answer (glyphseg.faces.faces): glyphs with their face, the faces, and the elements
    that left the run."""

    layouts: List[PageLayout]
    glyphs: List["Glyph"]
    found: List[FaceFound]
    elements: List[Element]


@dataclass
class Face:
    """One face's font in the Extraction: its name, metrics, encoding and spacing."""

    index: int
    family: str
    style: str
    metrics: "FontMetrics"
    unicodes: Dict[str, Optional[int]] = field(default_factory=dict)
    spacing: dict = field(default_factory=dict)  # glyph id → "gaps" | "prior"
    space_width: Optional[int] = None
    kerning: dict = field(default_factory=dict)
    tracking: float = 0.0  # em: the specimen's tracking taken out of the spacing
    tracking_estimate: Optional[float] = None  # em: what the gaps hold beyond the counters' spacing (None: unknown)
    consensus: dict = field(default_factory=dict)
    sizes_pt: List[float] = field(default_factory=list)
    features: Dict[str, float] = field(default_factory=dict)


@dataclass
class GlyphZone:
    """Where a glyph's ink sits, in em, relative to its line's baseline (y up)."""

    top: float
    bottom: float
    width: float


@dataclass
class Labelling:
    """The label stage's answer (glyphseg.label.label): every glyph with its character, score and UFO name."""

    layouts: List[PageLayout]  # the pages' layouts, split glyphs joined, glyphs labelled
    glyphs: List[Glyph]  # all pages' glyphs in reading order (the same as in `layouts`)
    unicodes: Dict[str, Optional[int]]  # UFO glyph name → code point (None for alternates, unlabelled)
    em_inch: float  # the specimen's body size (its em), inches
    zones: List[GlyphZone]  # per glyph, where its ink sits in em
    notes: List[str] = field(default_factory=list)


@dataclass
class Frames:
    """The metrics stage's answer (glyphseg.metrics.frames): glyphs placed in font units, and the font's
    vertical metrics."""

    glyphs: List[Glyph]  # as Labelling.glyphs, with origin, units_per_px, angle and advance set
    metrics: "FontMetrics"  # the main face's (face 0)
    face_metrics: List["FontMetrics"] = field(default_factory=list)  # each face's, by Glyph.face


@dataclass
class GlyphMask:
    """A segmenter's answer for one glyph: a soft mask over a crop of the page."""

    glyph_id: str
    x0: int  # crop origin in page pixels
    y0: int
    soft: np.ndarray  # float32 h×w in [0, 1]; the glyph's edge is the 0.5 level

    def binary(self) -> np.ndarray:
        return self.soft >= 0.5


@dataclass
class FontMetrics:
    units_per_em: int
    ascender: int
    descender: int
    x_height: int
    cap_height: int
    italic_angle: float = 0.0  # degrees counter-clockwise from the vertical, as UFO's italicAngle (an italic: < 0)


Point = Tuple[float, float, Optional[str]]  # x, y, segment type ("line", "curve", "qcurve") or None (off-curve)


@dataclass
class Outline:
    """A glyph's outline in font units (y up), as closed contours of UFO-style points.

    Consumers never look inside: they pass a pen to `draw` (fontTools segment pens) or `drawPoints`
    (point pens), exactly as they would a fontTools or ufoLib2 glyph.
    """

    contours: List[List[Point]] = field(default_factory=list)

    def drawPoints(self, pointPen) -> None:  # noqa: N802 - fontTools protocol name
        for contour in self.contours:
            pointPen.beginPath()
            for x, y, seg in contour:
                pointPen.addPoint((round(x), round(y)), segmentType=seg)
            pointPen.endPath()

    def draw(self, pen) -> None:
        from fontTools.pens.pointPen import PointToSegmentPen

        self.drawPoints(PointToSegmentPen(pen))

    def on_curve_count(self) -> int:
        return sum(1 for c in self.contours for p in c if p[2] is not None)


@dataclass
class Segmentation:
    """The segment stage's answer (glyphseg.segment.segment): one soft mask per glyph, and what the backend
    has to say."""

    masks: Dict[str, "GlyphMask"]  # glyph id → mask
    backend: str  # "threshold", "sam2"
    notes: List[str] = field(default_factory=list)  # e.g. SAM2 fallbacks, shown to the user
    timings: Dict[str, float] = field(default_factory=dict)
    template_fixed: frozenset = frozenset()  # glyph ids whose mask the backend repaired with templates


@dataclass
class Refined:
    """The refine stage's answer (glyphseg.refine.refine): masks checked (and repaired) against the
    characters' templates, and the glyphs with `refined` / `topology_ok` set."""

    glyphs: List[Glyph]
    masks: Dict[str, "GlyphMask"]


@dataclass
class Extraction:
    """Everything a run produced, ready for export."""

    pages: List[Page]
    glyphs: List[Glyph]
    lines: List[Line]
    masks: dict  # glyph id → GlyphMask
    outlines: dict  # glyph id → Outline
    metrics: FontMetrics
    family: str = "Specimen"
    style: str = "Regular"
    unicodes: dict = field(default_factory=dict)  # UFO glyph name → code point (None for alternates)
    timings: dict = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)
    spacing: dict = field(default_factory=dict)  # glyph id → "gaps" | "prior" (empty: half of each gap)
    space_width: Optional[int] = None  # the word space, font units (None: a quarter em)
    kerning: dict = field(default_factory=dict)  # (char, char) → (kern in units, times seen)
    tracking: float = 0.0  # em: the specimen's tracking taken out of the spacing (glyphseg.spacing)
    tracking_estimate: Optional[float] = None  # em: what the gaps hold beyond the counters' spacing (None: unknown)
    consensus: dict = field(default_factory=dict)  # glyph id → prints fused into its outline
    # Several faces: each its own font. The fields above (metrics … consensus) are faces[0]'s, the main face.
    faces: List[Face] = field(default_factory=list)
    elements: List[Element] = field(default_factory=list)

    def face_view(self, k: int) -> "Extraction":
        """This extraction as face k's alone: its glyphs, metrics, names and spacing (what a UFO is built
        from)."""
        if not self.faces:
            return self
        f = self.faces[k]
        return replace(self, glyphs=[g for g in self.glyphs if g.face == k], metrics=f.metrics, family=f.family,
                       style=f.style, unicodes=f.unicodes, spacing=f.spacing, space_width=f.space_width,
                       kerning=f.kerning, tracking=f.tracking, tracking_estimate=f.tracking_estimate,
                       consensus=f.consensus, faces=[f])


def bbox_union(boxes: Sequence[BBox]) -> BBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
