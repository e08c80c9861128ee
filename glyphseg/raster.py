"""Outline rasterization: the exact area coverage of a glyph outline over a box of pixels.

One rasterizer for the whole project (specimens, the benchmark's truth masks and oracle, the glyph templates):
FreeType's antialiasing scan converter through fontTools' `FreeTypePen` — no hinting, no supersampling, the
non-zero fill rule fonts are drawn with. Every pixel gets the fraction of its square the outline covers,
quantised by FreeType to k/255.

The page frame is glyphseg's: x right, y down, pixel (col, row) is the unit square [col, col+1) × [row, row+1).
An outline is placed by a 2 × 3 affine matrix from its font units (x right, y up) into that frame.
"""
from __future__ import annotations

import math
from typing import Callable, Optional, Sequence, Tuple

import numpy as np

Box = Tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels, x1/y1 exclusive


def _matrix(matrix) -> np.ndarray:
    """A 2 × 3 array from a 2 × 3 (or 3 × 3) array_like or a fontTools `Transform`."""
    if hasattr(matrix, "transformPoint"):  # fontTools Transform (xx, xy, yx, yy, dx, dy)
        xx, xy, yx, yy, dx, dy = matrix
        return np.array([[xx, yx, dx], [xy, yy, dy]], float)
    m = np.asarray(matrix, float)
    if m.shape not in ((2, 3), (3, 3)):
        raise ValueError(f"matrix must be 2 × 3, got shape {m.shape}")
    return m[:2]


def glyph_coverage(glyph, matrix, box: Box, glyph_set=None) -> np.ndarray:
    """Exact area coverage of a glyph outline over the pixels of `box`.

    Parameters
    ----------
    glyph : object with a ``draw(pen)`` method
        A fontTools glyph (``font.getGlyphSet()[name]``), a ufoLib2 glyph, a glyphseg ``Outline``,
        a ``RecordingPen``, ...: anything that draws itself on a fontTools segment pen.
    matrix : (2, 3) array_like or fontTools ``Transform``
        Font units (x right, y up) → pixel coordinates (x right, y down): a point (u, v) of the outline
        lands at ``x = m[0, 0] u + m[0, 1] v + m[0, 2]``, ``y = m[1, 0] u + m[1, 1] v + m[1, 2]``.
        A ``Transform`` maps the same way (its (xx, xy, yx, yy, dx, dy) are m[0, 0], m[1, 0], m[0, 1],
        m[1, 1], m[0, 2], m[1, 2]).
    box : tuple of 4 int
        (x0, y0, x1, y1), the pixels to render, x1 and y1 exclusive. Ink outside is cut off.
    glyph_set : mapping, optional
        Glyphs by name, to resolve components (composite glyphs such as ä).

    Returns
    -------
    coverage : (y1 - y0, x1 - x0) ndarray of float64
        ``coverage[r, c]`` is the share of pixel (x0 + c, y0 + r) inside the outline, in [0, 1]
        (multiples of 1/255).

    Notes
    -----
    FreeType rounds the transformed outline points to 1/64 pixel; no hinting is applied.

    Examples
    --------
    A square of 100 × 100 font units at 0.1 pixel per unit, with its bottom-left corner at pixel (1, 11):

    >>> from fontTools.pens.recordingPen import RecordingPen
    >>> square = RecordingPen()
    >>> square.moveTo((0, 0)); square.lineTo((0, 100)); square.lineTo((100, 100))
    >>> square.lineTo((100, 0)); square.closePath()
    >>> cov = glyph_coverage(square, [[0.1, 0, 1], [0, -0.1, 11]], (0, 0, 12, 12))
    >>> cov.shape, float(cov.sum())
    ((12, 12), 100.0)
    >>> cov[0:2, 0:3].tolist()
    [[0.0, 0.0, 0.0], [0.0, 1.0, 1.0]]

    Half a pixel off the grid, the edge pixels are half covered:

    >>> cov = glyph_coverage(square, [[0.1, 0, 1.5], [0, -0.1, 11]], (0, 0, 13, 12))
    >>> round(float(cov[5, 1]), 3), float(cov[5, 2]), round(float(cov[5, 11]), 3), round(float(cov.sum()), 1)
    (0.502, 1.0, 0.502, 100.0)
    """
    from fontTools.pens.freetypePen import FreeTypePen

    m = _matrix(matrix)
    x0, y0, x1, y1 = (int(v) for v in box)
    pen = FreeTypePen(glyph_set)
    glyph.draw(pen)
    # FreeType's bitmap is y up from its bottom row: bitmap (bx, by) is page (x0 + bx, y1 - by)
    return pen.array(width=x1 - x0, height=y1 - y0,
                     transform=(m[0, 0], -m[1, 0], m[0, 1], -m[1, 1], m[0, 2] - x0, y1 - m[1, 2]))


def pixel_box(bbox: Sequence[float], pad: int = 0, shape: Optional[Tuple[int, int]] = None) -> Box:
    """The whole pixels around a box of real page coordinates, widened by `pad` pixels on every side and,
    with `shape` (height, width), clipped to the page.

    >>> pixel_box((10.2, 5.0, 19.5, 30.01), pad=2)
    (8, 3, 22, 33)
    >>> pixel_box((1.5, 0.5, 8.5, 9.5), pad=2, shape=(10, 9))
    (0, 0, 9, 10)
    """
    x0, y0, x1, y1 = bbox
    X0, Y0 = int(math.floor(x0)) - pad, int(math.floor(y0)) - pad
    X1, Y1 = int(math.ceil(x1)) + pad, int(math.ceil(y1)) + pad
    if shape is not None:
        h, w = shape
        X0, Y0, X1, Y1 = max(0, X0), max(0, Y0), min(w, X1), min(h, Y1)
    return X0, Y0, X1, Y1


def upright_frame(bounds: Sequence[float], scale: float, pad: int = 2,
                  size: Callable[[float], int] = math.ceil) -> Tuple[np.ndarray, Box]:
    """(matrix, box) for `glyph_coverage` that render a glyph upright on its own: font units scaled by
    `scale` (px per unit), the outline's `bounds` (xmin, ymin, xmax, ymax in font units) `pad` pixels from
    the left and bottom edges; the box is ``size(extent · scale) + 2 · pad`` pixels wide and high.

    The box's bottom edge is page y = 0 and the glyph stands above it (y < 0, the outline's foot at
    y = −pad), so that the rasterizer's offsets come out exactly ``pad - xmin · scale`` and
    ``pad - ymin · scale``.

    >>> m, box = upright_frame((-10, -50, 590, 700), 0.1, pad=2)
    >>> box
    (0, -79, 64, 0)
    >>> m.tolist()
    [[0.1, 0.0, 3.0], [0.0, -0.1, -7.0]]
    """
    xmin, ymin, xmax, ymax = bounds
    w = int(size((xmax - xmin) * scale)) + 2 * pad
    h = int(size((ymax - ymin) * scale)) + 2 * pad
    # x0 = 0, y1 = 0: glyph_coverage's offsets are m[0, 2] − 0 and 0 − m[1, 2] = −(ymin·scale − pad),
    # which IEEE rounding makes exactly pad − ymin·scale
    m = np.array([[scale, 0.0, pad - xmin * scale], [0.0, -scale, ymin * scale - pad]])
    return m, (0, -h, w, 0)
