"""Outline geometry shared by tests, the benchmark and the report: pens that flatten any drawing
(glyphseg's outlines, a font's glyphs) into shapely shapes, and the scores computed on them."""
from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
from fontTools.pens.basePen import BasePen
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


def boundary_distances(a: BaseGeometry, b: BaseGeometry, step: float = 0.5) -> np.ndarray:
    """Distances from points sampled every `step` along a's boundary to b's boundary."""
    boundary_b = b.boundary
    out = []
    for geom in getattr(a.boundary, "geoms", [a.boundary]):
        length = geom.length
        for s in np.arange(0, length, step):
            out.append(boundary_b.distance(geom.interpolate(s)))
    return np.array(out)


def as_multipolygon(shape: BaseGeometry) -> MultiPolygon:
    if isinstance(shape, MultiPolygon):
        return shape
    if isinstance(shape, Polygon):
        return MultiPolygon([shape]) if not shape.is_empty else MultiPolygon()
    polys = [g for g in getattr(shape, "geoms", []) if isinstance(g, Polygon)]
    return MultiPolygon(polys)
