"""Vectorize: a glyph's soft mask → an outline of cubic Béziers in font units.

1. Subpixel boundary: marching squares at the mask's 0.5 level (scikit-image), mapped to font units
   through the glyph's frame (origin, scale, angle), so outlines are upright even on a skewed scan.
2. Contours resampled evenly; corners found where the turning angle is large over a short arc and does
   not keep growing over twice that arc (a curve keeps turning, a corner has done its turning). Each
   corner is sharpened to where its edges' lines meet; acute ones (the notch of an M, the crotch of an n),
   which blur cuts back deepest, read their edges farther out.
3. Horizontal and vertical extrema of the smooth runs between corners are located on the data (a parabola
   through the samples around each), and become on-curve points with exactly horizontal or vertical
   handles before any curve is fitted: a fitted cubic's own extremum can wander pixels along a flat bowl.
4. Each run between corners and extrema fitted with cubic curves under a tolerance in font units
   (Schneider's least-squares fit with Newton reparameterisation), each as long as the tolerance allows,
   or a line when straight (and, at a smooth point, along its tangent). Any extremum a curve still has is
   split off exactly; outer contours counter-clockwise, holes clockwise.

The tracer is written here because the tracers that exist (potrace, vtracer, autotrace) take a binary
bitmap: they cannot follow the antialiased scan's subpixel edge (the soft mask's 0.5 level), place extrema
and corners where font editors expect them, or fit under a tolerance in font units. fontTools converts
between curve kinds (cu2qu) and splits curves (bezierTools); both are used, not rewritten.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from fontTools.misc.bezierTools import splitCubicAtT
from skimage import measure

from .types import Glyph, GlyphMask, Outline, PageLayout, Point
from .workers import parallel_map


@dataclass
class TraceOptions:
    tolerance: float = 2.0  # font units: largest distance of the curves from the traced boundary
    corner_angle: float = 55.0  # degrees of turning within ±corner_scale_px
    corner_scale_px: float = 2.5  # (traced pixels, like step_px)
    min_area_px: float = 6.0  # contours (specks, pinholes) smaller than this many page px² are dropped
    step_px: float = 0.5  # resampling step along the boundary
    # A scan's edge is known to about a fifth of a pixel: a tolerance finer than that (2 units at 40 px/em is
    # 0.08 px) only follows the pixels, with more points and more time.
    min_tolerance_px: float = 0.2
    # Above this resolution the soft mask is averaged down by a whole factor before tracing: the tolerance
    # (2 units of 1000) needs no more, and the cost grows with the contour's length in pixels.
    max_px_per_em: float = 250.0


def vectorize(glyphs: Sequence[Glyph], masks: Dict[str, GlyphMask], layouts: Sequence[PageLayout],
              tolerance: float = 2.0, progress: Optional[Callable[[int], None]] = None,
              jobs: int = 1) -> Dict[str, Outline]:
    """The vectorize stage: every glyph that has a mask traced into an outline in its font units, at a
    tolerance (font units) suited to its page's edges (`tolerance_for`); glyphs are traced on `jobs`
    processes (each glyph on its own: the outlines are the same whatever `jobs` is)."""
    edge = {layout.page: layout.ink.edge_width for layout in layouts}
    work = [(masks[g.id], g, TraceOptions(tolerance=tolerance_for(tolerance, edge[g.page]))) for g in glyphs
            if g.id in masks]
    if progress and len(work) < len(glyphs):
        progress(len(glyphs) - len(work))  # glyphs without a mask: nothing to trace
    outlines = parallel_map(_trace_work, work, jobs=jobs, progress=progress)
    return {g.id: outline for (_, g, _), outline in zip(work, outlines)}


def _trace_work(item: Tuple[GlyphMask, Glyph, "TraceOptions"]) -> Outline:
    mask, glyph, options = item
    return trace(mask, glyph, options)


def tolerance_for(asked: float, edge_width_px: float) -> float:
    """The curve-fit tolerance for a page whose 10–90 % edge transition is `edge_width_px` wide.

    Where the scan's edges are soft and noisy (ink spread, paper texture), the edge itself is uncertain by
    more than the tolerance; fitting tighter than that only traces the noise. Sharp and mildly soft scans
    (edge width up to 2 px) keep the asked-for tolerance; beyond, it grows with the square root of the edge
    width (measured: harsh specimens 4.1 → 1.8 × the font's points for −0.003 IoU).

    >>> tolerance_for(2.0, 1.5), tolerance_for(2.0, 8.0)
    (2.0, 4.0)
    """
    return asked * max(1.0, edge_width_px / 2.0) ** 0.5


def trace_factor(glyph: Glyph, options: TraceOptions, units_per_em: float = 1000.0) -> int:
    """The whole factor a glyph's mask is averaged down by before tracing (1: traced as scanned).

    >>> trace_factor(Glyph(id="g", page=0, bbox=(0, 0, 1, 1), components=(), units_per_px=2.0), TraceOptions())
    2
    """
    px_per_em = units_per_em / glyph.units_per_px
    return max(1, math.ceil(px_per_em / options.max_px_per_em - 1e-9))


def reduce_mask(soft: np.ndarray, factor: int) -> np.ndarray:
    """The soft mask averaged over factor × factor blocks (coverage stays coverage: the 0.5 level of the
    average is the edge of the average ink).

    >>> reduce_mask(np.array([[1.0, 0.0], [1.0, 0.0]]), 2).tolist()
    [[0.5]]
    """
    if factor == 1:
        return soft
    h, w = soft.shape
    padded = np.pad(soft, ((0, -h % factor), (0, -w % factor)))
    return padded.reshape(padded.shape[0] // factor, factor, padded.shape[1] // factor, factor).mean(axis=(1, 3))


def boundary_contours(mask: GlyphMask, level: float = 0.5, factor: int = 1) -> List[np.ndarray]:
    """Closed subpixel contours of the mask's edge (its 0.5 level: on an antialiased image the true edge),
    as (N, 2) arrays of page (x, y), pixel centres at +0.5; traced on the mask reduced by `factor`."""
    padded = np.pad(reduce_mask(mask.soft, factor), 1, mode="constant", constant_values=0.0)
    out = []
    for c in measure.find_contours(padded, level):
        if len(c) < 4:
            continue
        if np.allclose(c[0], c[-1]):
            c = c[:-1]
        # a reduced pixel (r, c) covers page pixels [c·f, c·f + f): its centre is at c·f + f/2
        xy = np.stack([(c[:, 1] - 1) * factor + 0.5 * factor + mask.x0,
                       (c[:, 0] - 1) * factor + 0.5 * factor + mask.y0], axis=1)
        out.append(xy)
    return out


def signed_area(pts: np.ndarray) -> float:
    x, y = pts[:, 0], pts[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def trace(mask: GlyphMask, glyph: Glyph, options: Optional[TraceOptions] = None) -> Outline:
    """The glyph's outline in its own font units (y up)."""
    opt = options or TraceOptions()
    factor = trace_factor(glyph, opt)
    page_upp = glyph.units_per_px
    contours = []
    for xy in boundary_contours(mask, factor=factor):
        xu, yu = glyph.page_to_units(xy[:, 0], xy[:, 1])
        pts = np.stack([xu, yu], axis=1)
        if abs(signed_area(pts)) < opt.min_area_px * page_upp * page_upp:
            continue
        contours.append(pts)
    contours = orient_contours(contours)
    upp = page_upp * factor  # font units per traced pixel
    opt = dataclasses.replace(opt, tolerance=max(opt.tolerance, opt.min_tolerance_px * upp))
    outline = Outline()
    for pts in contours:
        outline.contours.append(_fit_without_crossings(pts, opt, upp))
    return outline


def _fit_without_crossings(pts: np.ndarray, opt: TraceOptions, upp: float) -> List[Point]:
    """fit_contour, checked: a contour whose curves cross themselves (a handle overshooting in a tight turn)
    is fitted again at half the tolerance, and as a last resort kept as a simplified polygon, which is
    simple by construction. Fonts must not ship self-intersecting contours."""
    from shapely.geometry import LinearRing, Polygon

    from .geometry import FlattenPen

    # extremum breaks with exact tangents can force a loop on a short, thin spur (a beak serif): then the
    # curves are fitted freely and split at their own extrema instead
    for tol, at_extrema in ((opt.tolerance, True), (opt.tolerance / 2, True), (opt.tolerance, False),
                            (opt.tolerance / 2, False)):
        points = fit_contour(pts, tol, step=opt.step_px * upp, corner_scale=opt.corner_scale_px * upp,
                             corner_angle=opt.corner_angle, break_at_extrema=at_extrema)
        pen = FlattenPen(steps=32)  # fine enough that a crossing of two nearly tangent curves shows
        Outline([points]).draw(pen)
        if pen.contours and len(pen.contours[0]) >= 3 and LinearRing(pen.contours[0]).is_simple:
            return points
    simple = Polygon(pts).simplify(max(opt.tolerance, 0.5 * upp), preserve_topology=True).exterior.coords[:-1]
    if signed_area(np.array(simple)) * signed_area(pts) < 0:
        simple = simple[::-1]
    return [(float(x), float(y), "line") for x, y in simple]


def _inside(pt: np.ndarray, poly: np.ndarray) -> bool:
    """Even-odd point-in-polygon test (ray casting)."""
    x, y = pt
    xs, ys = poly[:, 0], poly[:, 1]
    xs2, ys2 = np.roll(xs, -1), np.roll(ys, -1)
    crosses = ((ys > y) != (ys2 > y)) & (x < (xs2 - xs) * (y - ys) / np.where(ys2 == ys, 1e-12, ys2 - ys) + xs)
    return bool(np.count_nonzero(crosses) % 2)


def orient_contours(contours: List[np.ndarray]) -> List[np.ndarray]:
    """Outer contours counter-clockwise (y up), holes clockwise: nesting depth decides which is which."""
    out = []
    for i, c in enumerate(contours):
        depth = sum(1 for j, o in enumerate(contours) if j != i and _inside(c[0], o))
        want_ccw = depth % 2 == 0
        is_ccw = signed_area(c) > 0
        out.append(c if want_ccw == is_ccw else c[::-1].copy())
    return out


# ----------------------------------------------------------------------------------------------------------
# contour → cubic curves


def resample_closed(pts: np.ndarray, step: float) -> np.ndarray:
    closed = np.vstack([pts, pts[:1]])
    seg = np.hypot(*np.diff(closed, axis=0).T)
    s = np.concatenate([[0], np.cumsum(seg)])
    total = s[-1]
    n = max(8, int(round(total / step)))
    t = np.linspace(0, total, n, endpoint=False)
    return np.stack([np.interp(t, s, closed[:, 0]), np.interp(t, s, closed[:, 1])], axis=1)


def _smooth_closed(pts: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0:
        return pts
    r = int(math.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    ext = np.vstack([pts[-r:], pts, pts[:r]]) if r else pts
    return np.stack([np.convolve(ext[:, d], k, mode="valid") for d in range(2)], axis=1)


def _angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unsigned angle (degrees) between direction vectors, row by row."""
    a1 = np.arctan2(a[..., 1], a[..., 0])
    a2 = np.arctan2(b[..., 1], b[..., 0])
    return np.degrees(np.abs((a2 - a1 + np.pi) % (2 * np.pi) - np.pi))


def _turning(pts: np.ndarray, k: int) -> np.ndarray:
    """Turning angle (degrees) at each point between the chords to the points k before and after."""
    return _angle_between(pts - np.roll(pts, k, axis=0), np.roll(pts, -k, axis=0) - pts)


def _add_local_maxima(corners: List[int], score: np.ndarray, candidates: np.ndarray, half: int, apart: int):
    """Append to `corners` each candidate whose score is the largest within ±half samples and that lies more
    than `apart` samples from every corner already there (the contour is closed)."""
    n = len(score)
    for i in np.nonzero(candidates)[0]:
        window = [(i + d) % n for d in range(-half, half + 1)]
        if score[i] >= score[window].max() and not any(min(abs(i - c), n - abs(i - c)) <= apart for c in corners):
            corners.append(int(i))


def find_corners(pts: np.ndarray, step: float, scale: float, angle: float) -> List[int]:
    """Indices of corners: turning ≥ `angle` within ±scale that does not keep growing out to ±2·scale.

    A smooth curve turns in proportion to the arc looked at; a corner — even one rounded by blur or ink
    spread — has done all its turning within a short arc, so doubling the arc adds little (< 40 %).

    Two corners closer than 2·scale (the ends of a short serif, a few pixels tall) defeat that test: the
    wider arc takes in the neighbour. They are found at a finer scale instead, from the directions of the
    edges 0.6–1.2·scale on either side (which skip the corner's blurred rounding) where at least one of
    those edges runs on straight — a tight curve bends on both sides.
    """
    n = len(pts)
    k = max(2, int(round(scale / step)))
    if n < 6 * k:
        return []
    smooth = _smooth_closed(pts, 1.0)
    near = _turning(smooth, k)
    far = _turning(smooth, 2 * k)
    cand = (near >= angle) & (far <= 1.4 * near)
    corners: List[int] = []
    _add_local_maxima(corners, near, cand, half=k, apart=k)
    ks = max(2, int(round(0.6 * scale / step)))
    at = lambda s: np.roll(smooth, -s, axis=0)  # at(s)[i] is the point s samples after i
    edge_back, edge_fwd = at(-ks) - at(-2 * ks), at(2 * ks) - at(ks)
    turn = _angle_between(edge_back, edge_fwd)
    bend = np.minimum(_angle_between(at(-2 * ks) - at(-4 * ks), edge_back),
                      _angle_between(edge_fwd, at(4 * ks) - at(2 * ks)))
    # A hairpin of ≥ 150° at this scale is a whole blunt end seen at once, not one corner of it. The chord
    # turning within ±0.6·scale must be well under way too (≥ 33°): a tight round (a rounded terminal of
    # radius ~1.5·scale) meets a straight edge with the same flank directions, but turns slowly.
    fine = _turning(smooth, ks)
    ok = (turn >= angle) & (turn <= 150.0) & (bend <= 0.35 * turn) & (fine >= 33.0)
    _add_local_maxima(corners, np.where(ok, fine, -1.0), ok, half=ks, apart=k)
    # A blunt end (a serif face a few pixels long) is blurred into one round turn of 100–180° and found as a
    # single corner. Its two corners are where that turn is a quarter and three quarters done; a sharp tip,
    # whose turn is done within a pixel or so, and a round terminal, which never passes for a corner, stay.
    split = []
    for c in corners:
        if far[c] < 100.0:
            split.append(c)
            continue
        idx = (c + np.arange(-2 * k, 2 * k + 1)) % n
        seg = np.diff(smooth[idx], axis=0)
        heading = np.unwrap(np.arctan2(seg[:, 1], seg[:, 0]))
        turned = np.maximum.accumulate(np.abs(heading - heading[0]))  # (noise can step back a little)
        total = turned[-1]
        a = int(np.searchsorted(turned, 0.25 * total))
        b = int(np.searchsorted(turned, 0.75 * total))
        if b - a >= max(3, int(round(0.8 * scale / step))):  # a face of ≥ 2 px between the two
            split.extend([int(idx[a]), int(idx[b])])
        else:
            split.append(c)
    return sorted(set(split))


def _unit(v):
    n = math.hypot(v[0], v[1])
    return np.array([v[0] / n, v[1] / n]) if n > 1e-12 else np.array([1.0, 0.0])


def _tangent_out(seq: np.ndarray, span: float) -> np.ndarray:
    """Direction leaving seq[0] into the run, from the points within `span` of it."""
    d = np.hypot(*(seq - seq[0]).T)
    far = np.nonzero(d >= span)[0]
    j = int(far[0]) if far.size else len(seq) - 1
    return _unit(seq[1:j + 1].mean(axis=0) - seq[0]) if j >= 1 else _unit(seq[-1] - seq[0])


def _edge_line(pts: np.ndarray, i: int, sign: int, near: int, far: int):
    """Principal line through the points `near`..`far` samples away from i (sign: +1 after, -1 before),
    as (centroid, unit direction pointing away from i)."""
    n = len(pts)
    idx = [(i + sign * j) % n for j in range(near, max(far, near + 1) + 1)]
    sel = pts[idx]
    c = sel.mean(axis=0)
    # the principal axis of the points' 2 × 2 scatter, in closed form (an SVD per corner edge costs more)
    dx, dy = (sel - c).T
    angle = 0.5 * math.atan2(2.0 * float(dx @ dy), float(dx @ dx - dy @ dy))
    d = np.array([math.cos(angle), math.sin(angle)])
    if np.dot(d, sel[-1] - sel[0]) < 0:
        d = -d
    return c, d


def _half_opening(d_in: np.ndarray, d_out: np.ndarray) -> float:
    """Half the angle between a corner's two edge directions (both pointing away from it), radians."""
    return 0.5 * math.acos(max(-1.0, min(1.0, float(np.dot(d_in, d_out)))))


def _sharpen_corner(pts: np.ndarray, i: int, step: float, limit: Tuple[int, int], room: int,
                    faces: Tuple[bool, bool] = (False, False)):
    """Where the edges on either side of corner i meet, and the edge directions leaving it.

    The 0.5 level of an antialiased (or slightly blurred) image cuts a sharp corner by a fraction of a
    pixel; the straight-ish edges 1–3.5 px away still point at the true corner. An acute corner (the notch of
    an M, the crotch of an n) is cut deeper, by about the blur over sin(half the opening): its edges are
    read proportionally farther out, as far as `room` samples (half-way to the neighbouring corners).
    `limit` is (incoming side, outgoing side) in samples: a long edge is read out to its full reach even where
    the edge on the other side is a short serif face.
    """
    limit_in, limit_out = limit

    def read(sign, lim, reach, face):
        if face:  # a short face between two corners: read at its middle, clear of the rounding at both ends
            near, far = max(1, lim - 1), lim + 1
        else:
            near = max(1, int(round(lim * 0.3)))
            far = max(near + 1, lim)
        reach = min(reach, room / far)
        if reach > 1.2:
            near, far = int(round(near * reach)), int(round(far * reach))
        return _edge_line(pts, i, sign, near, far)

    c_in, d_in = read(-1, limit_in, 1.0, faces[0])
    c_out, d_out = read(+1, limit_out, 1.0, faces[1])
    half = _half_opening(d_in, d_out)
    reach = 1.0
    for _ in range(2):  # the first estimate of the opening is too wide (read where the corner is rounded)
        if half >= math.radians(40):
            break
        reach = min(3.0, math.sin(math.radians(40)) / max(math.sin(half), 1e-3))
        if reach <= 1.2:
            break
        c_in, d_in = read(-1, limit_in, reach, faces[0])
        c_out, d_out = read(+1, limit_out, reach, faces[1])
        half = _half_opening(d_in, d_out)
    limit = max(limit_in, limit_out)
    reach = min(reach, room / max(min(limit_in, limit_out), 1))
    cross = d_in[0] * d_out[1] - d_in[1] * d_out[0]
    pos = pts[i]
    if abs(cross) > math.sin(math.radians(25)) or (np.dot(d_in, d_out) > 0 and abs(cross) > math.sin(math.radians(8))):
        # the edges' lines: c_in + s·d_in = c_out + t·d_out
        a = np.array([[d_in[0], -d_out[0]], [d_in[1], -d_out[1]]])
        s, _ = np.linalg.solve(a, c_out - c_in)
        cand = c_in + s * d_in
        disp = cand - pts[i]
        dist = float(np.hypot(*disp))
        tip = _unit(-(d_in + d_out))  # from the rounded corner towards the sharp one, along the bisector
        # a blunted corner is sharpened outwards along its bisector; a candidate far along one edge is two
        # nearly tangent edges (a beak joining a bowl) extrapolated past where they really meet
        if dist <= 2.0 * step * limit / 3.5 * max(1.0, reach) and \
                (dist <= 2 * step or float(np.dot(disp, tip)) >= dist * math.cos(math.radians(35))):
            pos = cand
    return pos, d_in, d_out  # directions leaving the corner: back along the incoming edge, along the outgoing


def fit_contour(pts: np.ndarray, tolerance: float, step: float, corner_scale: float,
                corner_angle: float = 55.0, break_at_extrema: bool = True) -> List[Point]:
    """A closed contour (font units) → UFO points (x, y, segmentType|None), starting on-curve."""
    pts = resample_closed(pts, step)
    n = len(pts)
    # A noisy scan's boundary wobbles by a fraction of a pixel; fitting tighter than that wobble only adds
    # points that follow the noise. Its size: the RMS of the boundary about a lightly smoothed copy.
    wobble = float(np.sqrt(np.mean(np.sum((pts - _smooth_closed(pts, 2.0)) ** 2, axis=1))))
    tolerance = max(tolerance, 2.0 * wobble)
    corners = find_corners(pts, step, corner_scale, corner_angle)
    sm = _smooth_closed(pts, 2.0)
    # Corner geometry: true corner position and edge directions (edges sampled 1–3.5 px away, less when the
    # neighbouring break is close).
    reach = max(3, int(round(corner_scale * 1.4 / step)))

    def sharpen_all(breaks):
        info = {}
        for bi, c in enumerate(breaks):
            if c not in corners:
                continue
            prev_gap = (c - breaks[bi - 1]) % n or n
            next_gap = (breaks[(bi + 1) % len(breaks)] - c) % n or n
            limits = (max(2, min(reach, prev_gap // 2)), max(2, min(reach, next_gap // 2)))
            # a side that ends at another corner before the edges' full reach is a short face (a serif's end)
            faces = (limits[0] < reach and breaks[bi - 1] in corners,
                     limits[1] < reach and breaks[(bi + 1) % len(breaks)] in corners)
            info[c] = _sharpen_corner(pts, c, step, limits, room=max(2, min(prev_gap, next_gap) // 2),
                                      faces=faces)
        return info

    # On-curve points at horizontal and vertical extrema, placed on the data before fitting (a fitted cubic's
    # own extremum can drift several pixels along a flat bowl, inside the tolerance). Their prominence is
    # measured against the sharpened corners that end each run (a shallow arched foot, deepest at its corners).
    # (not a hairpin: the middle of a blunt serif end, taken as one corner, is no base to measure from)
    # (only interior extrema are measured so; with no extrema the corners' sharpening stands as it is)
    at_corners = sharpen_all(corners) if break_at_extrema else {}
    ends = {c: pos for c, (pos, d_in, d_out) in at_corners.items() if _half_opening(d_in, d_out) >= math.radians(30)}
    extrema = find_extrema(pts, sm, corners, prominence=max(0.2 * step / 0.5, 3.0 * wobble),
                           gap=max(2, int(round(corner_scale / step))), interior=break_at_extrema, ends=ends)
    breaks = sorted(set(corners) | set(extrema))
    corner_info = at_corners if at_corners and not extrema else sharpen_all(breaks)
    # Two corners of one blunted tip (a beak serif) can sharpen to the same place: keep one corner there, with
    # the first one's incoming edge and the second one's outgoing edge.
    for bi in range(len(breaks) - 1, -1, -1):
        a, b = breaks[bi - 1], breaks[bi]
        if a != b and a in corner_info and b in corner_info and \
                np.hypot(*(corner_info[a][0] - corner_info[b][0])) < 2 * step:
            corner_info[a] = (corner_info[a][0], corner_info[a][1], corner_info[b][2])
            del corner_info[b]
            breaks.remove(b)
    # An extremum that lands on (within a sample of) a neighbouring break adds nothing but a zero-length segment.
    place = lambda b: corner_info[b][0] if b in corner_info else extrema[b][0]
    for bi in range(len(breaks) - 1, -1, -1):
        a, b = breaks[bi - 1], breaks[bi]
        if a != b and np.hypot(*(place(a) - place(b))) < step:
            breaks.remove(b if b not in corner_info else a)
    trim = max(1, int(round(corner_scale * 0.4 / step)))  # samples on the rounded part of a corner
    segments = _fit_between_breaks(pts, breaks, corner_info, extrema, tolerance, trim)
    segments = [s for seg in segments for s in _split_at_extrema(seg, min_gap=2 * step, bulge=tolerance)]
    segments = [seg for seg in segments if len(seg) == 4 or np.hypot(*(seg[1] - seg[0])) > 0.01 * step]
    return _to_points(segments)


def _fit_between_breaks(pts: np.ndarray, breaks: List[int], corner_info: dict, extrema: dict, tolerance: float,
                        trim: int) -> list:
    """Cubic (or line) segments for each run between consecutive breaks (corners and extrema), each run
    starting and ending exactly at its break's placed position and tangent."""
    n = len(pts)
    segments = []  # list of (p0, c1, c2, p3) or (p0, p3)
    for bi, start in enumerate(breaks):
        end = breaks[(bi + 1) % len(breaks)]
        idx = np.arange(start, end + (n if end <= start else 0) + 1) % n
        run = pts[idx].copy()
        if start in corner_info:
            pos, _, t1 = corner_info[start]
        else:
            pos, t1 = extrema[start]
        run[0] = pos
        if end in corner_info:
            pos, t2, _ = corner_info[end]
        else:
            pos, t2 = extrema[end]
            t2 = -t2
        run[-1] = pos
        # Leave the rounded bit next to a sharpened corner out of the data the curve must fit.
        lo = trim if start in corner_info else 1
        hi = len(run) - 1 - (trim if end in corner_info else 1)
        inner = run[lo:hi + 1] if hi >= lo else run[1:-1]
        run = np.vstack([run[:1], inner, run[-1:]])
        segments.extend(_fit_run(run, t1, t2, tolerance, 0,
                                 smooth=(start not in corner_info, end not in corner_info)))
    return segments


def find_extrema(pts: np.ndarray, sm: np.ndarray, corners: List[int], prominence: float, gap: int,
                 interior: bool = True, ends: Optional[dict] = None) -> dict:
    """Horizontal and vertical extrema of a closed contour's smooth runs: {index: (position, tangent)}.

    Runs go from corner to corner (a contour without corners is one run from its leftmost point, itself an
    extremum). An extremum must stand out by `prominence` on both sides within its run (a peak's
    prominence, `prominent_peaks`, on the smoothed copy `sm`: noise and the sag of a straight edge do not) and lie more than `gap`
    samples from a corner, which already carries an on-curve point. Its place along the contour and its
    extreme coordinate come from a parabola fitted to the unsmoothed samples around it; its tangent is
    exactly horizontal or vertical. `interior=False`: only the start a contour without corners needs.
    """
    n = len(pts)
    out = {}
    if corners:
        runs = [(c, (corners[(k + 1) % len(corners)] - c) % n or n) for k, c in enumerate(corners)]
    else:
        start = int(np.argmin(sm[:, 0]))
        runs = [(start, n)]
        k, pos, t = _extremum_at(pts, sm, start, 0)
        out[k] = (pos, t)
    if not interior:
        return out
    for start, length in runs:
        # the rounded ends of a run (its corners, blurred) would make the middle of any straight edge stand out
        idx = (start + np.arange(length + 1)) % n
        first, last = idx[0], idx[-1]
        if corners:
            idx = idx[gap:len(idx) - gap]
        if len(idx) < 3:
            continue
        for axis in (0, 1):
            v = sm[idx, axis]
            if ends and first in ends and last in ends and len(idx) >= 6 * gap:
                v = np.concatenate([[ends[first][axis]], v, [ends[last][axis]]])
            else:
                v = np.concatenate([v[:1], v, v[-1:]])
            for sign in (1, -1):
                peaks = prominent_peaks(sign * v, prominence)
                for j in peaks - 1:
                    k, pos, t = _extremum_at(pts, sm, int(idx[j]), axis)
                    if not any(min(abs(k - e), n - abs(k - e)) <= 1 for e in out):
                        out[k] = (pos, t)
    return out


def prominent_peaks(x: np.ndarray, prominence: float) -> np.ndarray:
    """Indices of the local maxima of x (a plateau's middle) that stand out by at least `prominence`: the
    same peaks as `scipy.signal.find_peaks(x, prominence=prominence)[0]`, which is what this replaces only
    because importing scipy.signal costs 0.8 s per process, more than tracing a page's glyphs on it.

    >>> prominent_peaks(np.array([0, 2, 1, 1, 3, 3, 0, 1, 0.5]), 1.0).tolist()
    [1, 4]
    """
    x = np.asarray(x, float)
    n = len(x)
    if n < 3:
        return np.zeros(0, int)
    starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])  # runs of equal values
    ends = np.r_[starts[1:] - 1, n - 1]
    v = x[starts]
    # a run that rises from the one before and falls to the one after (never the first or the last run)
    k = np.flatnonzero((v[1:-1] > v[:-2]) & (v[1:-1] > v[2:])) + 1
    out = []
    for start, end in zip(starts[k], ends[k]):
        peak = (start + end) // 2
        top = x[peak]
        higher_left = np.flatnonzero(x[:peak] > top)
        higher_right = np.flatnonzero(x[peak + 1:] > top)
        lo = higher_left[-1] + 1 if higher_left.size else 0
        hi = peak + 1 + higher_right[0] if higher_right.size else n
        base = max(x[lo:peak + 1].min(), x[peak:hi].min())  # the higher of the lowest points on either side
        if top - base >= prominence:
            out.append(peak)
    return np.array(out, int)


def _extremum_at(pts: np.ndarray, sm: np.ndarray, i: int, axis: int, half: int = 8):
    """Refined place of the extremum near sample i: (sample index, position, unit tangent along the contour)."""
    n = len(pts)
    j = np.arange(-half, half + 1)
    v = pts[(i + j) % n, axis]
    a, b, c = np.polyfit(j, v, 2)
    pos = pts[i].copy()
    if abs(a) > 1e-12:
        jv = -b / (2 * a)
        if abs(jv) <= half / 2:  # the vertex lies well inside the window: trust it
            i = (i + int(round(jv))) % n
            pos = pts[i].copy()
            pos[axis] = c - b * b / (4 * a)
    along = 1 - axis
    t = np.zeros(2)
    t[along] = math.copysign(1.0, sm[(i + 2) % n, along] - sm[(i - 2) % n, along])
    return i, pos, t


# The fit below runs tens of thousands of times per page on runs of 10–100 samples, where numpy's per-call
# overhead outweighs the arithmetic. So a curve is handled through its power-basis coefficients C = M·b
# (points U·C with U = [1, u, u², u³]; derivatives from the same U), and the least-squares normal equations
# come from BᵀB and BᵀP: a handful of small matrix products per step instead of one array expression per term.
_POWERS = np.arange(4.0)
_POWER_FROM_BERNSTEIN = np.array([[1.0, 0, 0, 0], [-3, 3, 0, 0], [3, -6, 3, 0], [-1, 3, -3, 1]])  # B(u) = U·M
_DERIVATIVE = np.array([[1.0], [2.0], [3.0]])
_SECOND_DERIVATIVE = np.array([[2.0], [6.0]])


def _powers(u: np.ndarray) -> np.ndarray:
    return u[:, None] ** _POWERS


def _bezier(b, u):
    """Points of the cubic with control points b at parameters u."""
    return _powers(np.asarray(u, float)) @ (_POWER_FROM_BERNSTEIN @ np.asarray(b, float))


def _generate(P, U, t1, t2):
    """Schneider's least-squares handle lengths for end tangents t1, t2 at parameters with powers U →
    control points. (The 2 × 2 solve runs on Python floats: numpy scalars cost more than the arithmetic.)"""
    B = U @ _POWER_FROM_BERNSTEIN
    G = (B.T @ B).tolist()
    BP = (B.T @ P).tolist()
    (x0_, y0_), (x3_, y3_) = P[0].tolist(), P[-1].tolist()
    (t1x, t1y), (t2x, t2y) = t1.tolist(), t2.tolist()
    c00 = G[1][1] * (t1x * t1x + t1y * t1y)
    c01 = G[1][2] * (t1x * t2x + t1y * t2y)
    c11 = G[2][2] * (t2x * t2x + t2y * t2y)
    # Σ b1·(P − p0(b0+b1) − p3(b2+b3)) and the same with b2
    k10, k13 = G[1][0] + G[1][1], G[1][2] + G[1][3]
    k20, k23 = G[2][0] + G[2][1], G[2][2] + G[2][3]
    x0 = t1x * (BP[1][0] - k10 * x0_ - k13 * x3_) + t1y * (BP[1][1] - k10 * y0_ - k13 * y3_)
    x1 = t2x * (BP[2][0] - k20 * x0_ - k23 * x3_) + t2y * (BP[2][1] - k20 * y0_ - k23 * y3_)
    det = c00 * c11 - c01 * c01
    seg_len = math.hypot(x3_ - x0_, y3_ - y0_)
    if abs(det) > 1e-12:
        alpha1 = (x0 * c11 - x1 * c01) / det
        alpha2 = (c00 * x1 - c01 * x0) / det
    else:
        alpha1 = alpha2 = seg_len / 3
    eps = 1e-6 * max(seg_len, 1.0)
    if alpha1 < eps or alpha2 < eps or alpha1 > 3 * seg_len or alpha2 > 3 * seg_len:
        alpha1 = alpha2 = seg_len / 3
    return np.array([[x0_, y0_], [x0_ + t1x * alpha1, y0_ + t1y * alpha1],
                     [x3_ + t2x * alpha2, y3_ + t2y * alpha2], [x3_, y3_]])


def _reparameterize(b, P, u, U=None):
    """One Newton step of every parameter towards the curve point nearest its sample."""
    U = _powers(u) if U is None else U
    C = _POWER_FROM_BERNSTEIN @ b
    r = U @ C - P
    q1 = U[:, :3] @ (C[1:] * _DERIVATIVE)
    q2 = U[:, :2] @ (C[2:] * _SECOND_DERIVATIVE)
    num = np.einsum("ij,ij->i", r, q1)
    den = np.einsum("ij,ij->i", q1, q1) + np.einsum("ij,ij->i", r, q2)
    ok = np.abs(den) > 1e-12
    new = np.where(ok, u - num / np.where(ok, den, 1.0), u)
    np.clip(new, 0, 1, out=new)
    new[0], new[-1] = 0.0, 1.0
    return np.maximum.accumulate(new)


def _errors(b, P, U):
    """Each sample's distance from the curve at its parameter (powers U)."""
    d = U @ (_POWER_FROM_BERNSTEIN @ b) - P
    return np.sqrt(np.einsum("ij,ij->i", d, d))


_COS_HALF_DEG = math.cos(math.radians(0.5))


def _fit_one(P: np.ndarray, t1, t2, tol: float, smooth=(False, False)):
    """One line or one cubic through P (end tangents t1 out of P[0], t2 out of P[-1] backwards) within
    `tol` of every point — Schneider's least-squares fit with Newton reparameterisation — or None.
    At an end marked smooth (an extremum, a join inside a curve) a line is taken only if it runs along that
    end's tangent: otherwise a nearly straight cubic keeps the outline's tangent continuous there."""
    p0, p3 = P[0], P[-1]
    chord = p3 - p0
    length = float(np.hypot(*chord))
    if len(P) <= 2 or length < tol:
        return (p0, p3)
    normal = np.array([-chord[1], chord[0]]) / length
    if np.abs((P - p0) @ normal).max() <= tol * 0.5:  # straight
        along = chord / length
        if (not smooth[0] or np.dot(t1, along) > _COS_HALF_DEG) and \
                (not smooth[1] or -np.dot(t2, along) > _COS_HALF_DEG):
            return (p0, p3)
    if np.dot(t1, chord) <= 0 or np.dot(t2, chord) >= 0:
        return None  # handles would loop back
    seg = np.hypot(*np.diff(P, axis=0).T)
    u = np.concatenate([[0], np.cumsum(seg)])
    u /= u[-1]
    U = _powers(u)
    b = _generate(P, U, t1, t2)
    err = _errors(b, P, U)
    for _ in range(6):
        if err.max() <= tol:
            break
        u = _reparameterize(b, P, u, U)
        U = _powers(u)
        b = _generate(P, U, t1, t2)
        err = _errors(b, P, U)
    # handles that reach past each other along the chord make the curve double back on itself (a loop a
    # few samples of nearly straight data do not show)
    ahead = (np.dot(b[1] - b[0], chord) + np.dot(b[3] - b[2], chord)) / length
    if ahead > length:  # (least squares is ill-conditioned on short, nearly straight data) try handles of a third
        b = np.array([p0, p0 + t1 * length / 3, p3 + t2 * length / 3, p3])
        err = _errors(b, P, _powers(_reparameterize(b, P, u, U)))
    return tuple(b) if err.max() <= tol else None


def _fit_run(P: np.ndarray, t1, t2, tol: float, depth: int = 0, smooth=(False, False)):
    """Cubics (or lines) through an open run with end tangents t1 (out of P[0]) and t2 (out of P[-1],
    backwards), each as long as it can be: from the run's start, the longest stretch one cubic fits within
    `tol` is found by bisection, and the next starts where it ends, smoothly (tangent continuity). Greedy
    longest fits use fewer segments than Schneider's split-at-the-worst-point recursion."""
    n = len(P)
    whole = _fit_one(P, t1, t2, tol, smooth)
    if whole is not None:
        return [whole]
    if n < 6:
        return [(P[0], P[-1])]

    def back_tangent(k):  # at an interior point, pointing back along the run
        return -_unit(P[min(k + 2, n - 1)] - P[max(k - 2, 0)])

    segments = []
    start, t_start = 0, t1
    while True:
        head = start > 0 or smooth[0]  # a join inside the run is smooth
        # (at the run's start this is the whole run, which has just failed)
        rest = _fit_one(P[start:], t_start, t2, tol, (head, smooth[1])) if start > 0 else None
        if rest is not None:
            segments.append(rest)
            return segments
        lo, hi = start + 2, n - 1  # lo: a fit that is accepted (a short stretch), hi: one that failed
        best = None
        while hi - lo > 1:
            mid = (lo + hi) // 2
            fit = _fit_one(P[start:mid + 1], t_start, back_tangent(mid), tol, (head, True))
            if fit is not None:
                lo, best = mid, fit
            else:
                hi = mid
        if best is None:  # not even three points fit (a kink): take a line to the next point
            best = _fit_one(P[start:lo + 1], t_start, back_tangent(lo), tol, (head, True))
            if best is None:
                if depth < 2 and start > 0:
                    # The greedy pieces left a stub that cannot meet the run's end tangent (the last bit
                    # before an extremum): split the run in the middle instead, smoothly.
                    mid = n // 2
                    return (_fit_run(P[:mid + 1], t1, back_tangent(mid), tol, depth + 1, (smooth[0], True))
                            + _fit_run(P[mid:], -back_tangent(mid), t2, tol, depth + 1, (True, smooth[1])))
                best = (P[start], P[lo])
        segments.append(best)
        t_start = -back_tangent(lo)
        start = lo
        if len(segments) > n:  # cannot happen; a guard against an endless loop
            return segments + [(P[start], P[-1])]


def _real_roots(a: float, b: float, c: float) -> List[float]:
    """Real roots of a·t² + b·t + c (numerically stable form; np.roots' eigenvalue solve costs more)."""
    if abs(a) <= 1e-12:
        return [-c / b] if abs(b) > 1e-12 else []
    disc = b * b - 4 * a * c
    if disc < 0:
        return []
    q = -0.5 * (b + math.copysign(math.sqrt(disc), b))
    return [q / a, c / q] if q != 0 else [0.0]


def _split_at_extrema(seg, min_gap: float = 2.0, bulge: float = 1.0):
    """Split a cubic at interior horizontal/vertical extrema (exact subdivision). Extrema closer than
    `min_gap` to an end are left alone: the end already sits on them within the sampling step."""
    if len(seg) == 2:
        return [seg]
    p0, p1, p2, p3 = [np.asarray(p, float) for p in seg]
    ts = []
    for d in range(2):
        a = -p0[d] + 3 * p1[d] - 3 * p2[d] + p3[d]
        b = 2 * (p0[d] - 2 * p1[d] + p2[d])
        c = p1[d] - p0[d]
        # B'(t)/3 = a·t² + b·t + c
        for r in _real_roots(a, b, c):
            if 0.03 < r < 0.97:
                ts.append(r)
    ts = sorted(set(round(t, 4) for t in ts))
    keep = []
    for t in ts:
        pt = _bezier(np.array([p0, p1, p2, p3]), np.array([t]))[0]
        if min(np.hypot(*(pt - p0)), np.hypot(*(pt - p3))) <= min_gap:
            continue
        # Only an extremum that stands out beyond both ends by more than `bulge` in x or y is one a
        # designer would mark (the sag of a nearly straight edge is not).
        out_x = max(pt[0] - max(p0[0], p3[0]), min(p0[0], p3[0]) - pt[0])
        out_y = max(pt[1] - max(p0[1], p3[1]), min(p0[1], p3[1]) - pt[1])
        if max(out_x, out_y) > bulge:
            keep.append(t)
    if not keep:
        return [seg]
    parts = splitCubicAtT(tuple(p0), tuple(p1), tuple(p2), tuple(p3), *keep)
    return [tuple(np.asarray(q, float) for q in part) for part in parts]


def _to_points(segments) -> List[Point]:
    """Segments of a closed contour → UFO points, starting with the first segment's start point."""
    points: List[Point] = []
    for seg in segments:
        if len(seg) == 2:
            points.append((float(seg[1][0]), float(seg[1][1]), "line"))
        else:
            points.append((float(seg[1][0]), float(seg[1][1]), None))
            points.append((float(seg[2][0]), float(seg[2][1]), None))
            points.append((float(seg[3][0]), float(seg[3][1]), "curve"))
    # the contour closes on its start: move the closing on-curve point to the front
    return points[-1:] + points[:-1]
