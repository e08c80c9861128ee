"""Outline geometry shared by tests, the benchmark and the report: pens that flatten any drawing
(glyphseg's outlines, a font's glyphs) into shapely shapes, and the scores computed on them (IoU, boundary
distances)."""
from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
from fontTools.pens.basePen import BasePen
from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.filterPen import ContourFilterPen
from fontTools.pens.recordingPen import DecomposingRecordingPen
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

PointMap = Callable[[np.ndarray, np.ndarray], Tuple[np.ndarray, np.ndarray]]


class FlattenPen(BasePen):
    """A segment pen that records closed polylines, curves sampled at `steps` points.

    >>> pen = FlattenPen(); pen.moveTo((0, 0)); pen.lineTo((10, 0)); pen.lineTo((0, 10)); pen.closePath()
    >>> pen.contours[0].tolist()
    [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]
    """

    def __init__(self, glyphSet=None, steps: int = 12):  # noqa: N803 - fontTools name
        super().__init__(glyphSet)
        self.steps = steps
        self.contours: List[np.ndarray] = []
        self._current: List[Tuple[float, float]] = []

    def _moveTo(self, pt):
        self._current = [pt]

    def _lineTo(self, pt):
        self._current.append(pt)

    def _curveToOne(self, p1, p2, p3):
        p0 = np.array(self._current[-1], float)
        t = np.linspace(0, 1, self.steps + 1)[1:, None]
        pts = ((1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * np.array(p1) + 3 * (1 - t) * t ** 2 * np.array(p2)
               + t ** 3 * np.array(p3))
        self._current.extend(map(tuple, pts))

    def _qCurveToOne(self, p1, p2):
        p0 = np.array(self._current[-1], float)
        t = np.linspace(0, 1, self.steps + 1)[1:, None]
        pts = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * np.array(p1) + t ** 2 * np.array(p2)
        self._current.extend(map(tuple, pts))

    def _closePath(self):
        pts = np.array(self._current, float)
        if len(pts) > 1 and np.allclose(pts[0], pts[-1]):
            pts = pts[:-1]
        if len(pts) >= 3:
            self.contours.append(pts)
        self._current = []

    _endPath = _closePath


class _InkContoursPen(ContourFilterPen):
    """Passes on only the contours that draw something: old fonts keep anchors as lone-point contours (Spira's
    e and c carry one at cap height and beyond their advance, DejaVu Sans's u one above its cap height)."""

    def filterContour(self, contour):  # noqa: N802 - fontTools name
        # ContourFilterPen reads None as "unchanged": an empty list drops the contour
        return contour if any(op not in ("moveTo", "closePath", "endPath") for op, _ in contour) else []


def ink_bounds(glyph, glyph_set) -> Optional[Tuple[float, float, float, float]]:
    """(xMin, yMin, xMax, yMax) of a glyph's ink in font units, components decomposed; None for a glyph that
    draws nothing (a space). fontTools' BoundsPen alone counts a lone-point contour, which prints no ink.

    >>> from fontTools.pens.recordingPen import RecordingPen
    >>> rec = RecordingPen(); rec.moveTo((0, 0)); rec.lineTo((10, 0)); rec.lineTo((0, 10)); rec.closePath()
    >>> rec.moveTo((500, 900)); rec.closePath()  # an anchor kept as a contour
    >>> ink_bounds(rec, None)
    (0, 0, 10, 10)
    """
    decomposed = DecomposingRecordingPen(glyph_set)
    glyph.draw(decomposed)
    bounds = BoundsPen(None)
    decomposed.replay(_InkContoursPen(bounds))
    return bounds.bounds


def drawing_to_shape(drawable, point_map: Optional[PointMap] = None, steps: int = 12, glyph_set=None) -> BaseGeometry:
    """Fill of anything with a `draw(pen)` method, even-odd, optionally mapped (e.g. font units → page px).
    `glyph_set` resolves components (a font's composite glyphs such as ä).

    Even-odd equals the non-zero rule for outlines without overlapping contours, which is what fonts ship.
    """
    pen = FlattenPen(glyph_set, steps=steps)
    drawable.draw(pen)
    return contours_to_shape(pen.contours, point_map)


def contours_to_shape(contours: Sequence[np.ndarray], point_map: Optional[PointMap] = None) -> BaseGeometry:
    shape: BaseGeometry = Polygon()
    for pts in contours:
        if point_map is not None:
            x, y = point_map(pts[:, 0], pts[:, 1])
            pts = np.stack([x, y], axis=1)
        ring = Polygon(pts).buffer(0)
        if ring.is_empty:
            continue
        shape = shape.symmetric_difference(ring)
    return shape


def iou(a: BaseGeometry, b: BaseGeometry) -> float:
    union = a.union(b).area
    return float(a.intersection(b).area / union) if union > 0 else 0.0


def _rings(shape: BaseGeometry) -> List[np.ndarray]:
    out = []
    for poly in as_multipolygon(shape).geoms:
        for ring in [poly.exterior, *poly.interiors]:
            c = np.asarray(ring.coords, float)
            if len(c) >= 4:
                out.append(c[:-1])
    return out


def _densify(ring: np.ndarray, step: float) -> np.ndarray:
    """Vertices of the same closed polyline, no two consecutive farther apart than `step`."""
    nxt = np.roll(ring, -1, axis=0)
    seg = nxt - ring
    n = np.maximum(1, np.ceil(np.hypot(seg[:, 0], seg[:, 1]) / step).astype(int))
    base = np.repeat(np.arange(len(ring)), n)
    starts = np.cumsum(n) - n
    t = (np.arange(int(n.sum())) - starts[base]) / n[base]
    return ring[base] + seg[base] * t[:, None]


class Boundary:
    """A shape's boundary, densely sampled (every vertex, and points between so that none is more than
    `step` from the next), with exact point-to-boundary distances.

    The nearest sample vertices come from a k-d tree; the distance is then taken exactly to the polyline
    segments on either side of each of the k nearest vertices.

    >>> square = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)])
    >>> b = Boundary(square, step=1.0)
    >>> len(b), b.distance(np.array([[2.0, 1.0], [5.0, 2.5]])).tolist()
    (16, [1.0, 1.0])
    """

    def __init__(self, shape: BaseGeometry, step: float = 0.5):
        verts, nxt, prv = [], [], []
        start = 0
        for ring in _rings(shape):
            v = _densify(ring, step)
            m = len(v)
            idx = np.arange(m)
            verts.append(v)
            nxt.append(start + (idx + 1) % m)
            prv.append(start + (idx - 1) % m)
            start += m
        self.points = np.concatenate(verts) if verts else np.zeros((0, 2))
        self._next = np.concatenate(nxt) if nxt else np.zeros(0, int)
        self._prev = np.concatenate(prv) if prv else np.zeros(0, int)
        self._tree = None
        if len(self.points):
            from scipy.spatial import cKDTree

            self._tree = cKDTree(self.points)

    def __len__(self):
        return len(self.points)

    def distance(self, q: np.ndarray, k: int = 4) -> np.ndarray:
        """Distance of each point of `q` (n × 2) to the boundary (inf where the shape is empty)."""
        if self._tree is None or len(q) == 0:
            return np.full(len(q), np.inf)
        k = min(k, len(self.points))
        _, idx = self._tree.query(q, k=k)
        idx = np.asarray(idx).reshape(len(q), k)
        best = np.full(len(q), np.inf)
        for other in (self._next, self._prev):
            a = self.points[idx]
            b = self.points[other[idx]]
            ab = b - a
            qa = q[:, None, :] - a
            den = np.maximum((ab ** 2).sum(-1), 1e-12)
            t = np.clip((qa * ab).sum(-1) / den, 0.0, 1.0)
            d = np.hypot(*(qa - ab * t[..., None]).transpose(2, 0, 1))
            best = np.minimum(best, d.min(axis=1))
        return best


def symmetric_distances(a: Boundary, b: Boundary) -> np.ndarray:
    """Distances from a's samples to b's boundary and from b's samples to a's, pooled."""
    return np.concatenate([b.distance(a.points), a.distance(b.points)])


def boundary_distances(a: BaseGeometry, b: BaseGeometry, step: float = 0.5) -> np.ndarray:
    """Distances from points sampled along a's boundary (every vertex, and at most `step` apart) to b's
    boundary: one direction of `symmetric_distances`.

    >>> inner = Polygon([(1, 1), (3, 1), (3, 3), (1, 3)])
    >>> outer = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)])
    >>> boundary_distances(inner, outer, step=1.0).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    return Boundary(b, step).distance(Boundary(a, step).points)


def as_multipolygon(shape: BaseGeometry) -> MultiPolygon:
    if isinstance(shape, MultiPolygon):
        return shape
    if isinstance(shape, Polygon):
        return MultiPolygon([shape]) if not shape.is_empty else MultiPolygon()
    polys = [g for g in getattr(shape, "geoms", []) if isinstance(g, Polygon)]
    return MultiPolygon(polys)
