"""Scoring an answer against ground truth: shared by tests and the benchmark."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """IoU of two boxes (x0, y0, x1, y1).

    >>> box_iou((0, 0, 10, 10), (5, 0, 15, 10))
    0.3333333333333333
    """
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def prf(tp: int, fp: int, fn: int) -> Tuple[float, float, float]:
    """Precision, recall and F1 of `tp` true positives, `fp` false positives and `fn` misses; an empty
    answer to an empty truth is perfect (1, 1, 1).

    >>> prf(8, 2, 0)
    (0.8, 1.0, 0.888888888888889)
    >>> prf(0, 0, 0)
    (1.0, 1.0, 1.0)
    """
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass
class Matching:
    pairs: List[Tuple[int, int]]  # (predicted index, true index)
    unmatched_pred: List[int]
    unmatched_true: List[int]

    def prf(self) -> Tuple[float, float, float]:
        """(precision, recall, F1) of the matching (see `prf`)."""
        return prf(len(self.pairs), len(self.unmatched_pred), len(self.unmatched_true))

    @property
    def precision(self) -> float:
        return self.prf()[0]

    @property
    def recall(self) -> float:
        return self.prf()[1]

    @property
    def f1(self) -> float:
        return self.prf()[2]


def match_boxes(pred: Sequence[Sequence[float]], true: Sequence[Sequence[float]], threshold: float = 0.5) -> Matching:
    """One-to-one matching, best IoU first, pairs below `threshold` rejected."""
    cand = []
    for i, p in enumerate(pred):
        for j, t in enumerate(true):
            v = box_iou(p, t)
            if v >= threshold:
                cand.append((v, i, j))
    cand.sort(reverse=True)
    used_p, used_t, pairs = set(), set(), []
    for v, i, j in cand:
        if i in used_p or j in used_t:
            continue
        used_p.add(i)
        used_t.add(j)
        pairs.append((i, j))
    return Matching(sorted(pairs), [i for i in range(len(pred)) if i not in used_p],
                    [j for j in range(len(true)) if j not in used_t])


def mask_fmeasure(pred: np.ndarray, true: np.ndarray) -> float:
    """F-measure of two boolean ink masks (DIBCO's FM)."""
    tp = float(np.logical_and(pred, true).sum())
    fp = float(np.logical_and(pred, ~true).sum())
    fn = float(np.logical_and(~pred, true).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def psnr(pred: np.ndarray, true: np.ndarray) -> float:
    """PSNR of two boolean masks, with the range taken as 1 (DIBCO's PSNR)."""
    mse = float(np.mean(pred.astype(np.float64) != true.astype(np.float64)))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


def outline_extrema(contours, min_prominence: float = 0.5, flat: float = 0.0) -> list:
    """Places where a closed outline has a horizontal or vertical extremum, as spans (x0, y0, x1, y1, axis),
    axis 0 for an extreme x (vertical tangent), 1 for an extreme y:
    a point (x0 = x1, y0 = y1) on a curve, or a whole flat stretch at an extreme (the foot of a serif, a
    stem's side), where an on-curve point anywhere on the stretch marks it.

    `contours` are finely flattened polylines (geometry.FlattenPen). Turns that go back less than
    `min_prominence` before turning again (wiggles) are ignored. A stretch that stays within `flat` of the
    extreme coordinate counts as flat: where the outline is that close to flat, the extreme has no
    better-defined place (a cupped serif foot 0.05 px deep).

    >>> t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    >>> len(outline_extrema([np.stack([10 * np.cos(t), 10 * np.sin(t)], 1)]))
    4
    """
    found = []
    for pts in contours:
        n = len(pts)
        for k in (0, 1):
            c = pts[:, k]
            d = np.diff(np.append(c, c[0]))
            moving = np.nonzero(np.abs(d) > 1e-9)[0]
            if moving.size < 2:
                continue
            signs = np.sign(d[moving])
            turns = []  # (first, last) vertex index of each extreme, flat stretch included
            for a in range(len(moving)):
                b = (a + 1) % len(moving)
                if signs[a] != signs[b]:
                    turns.append(((moving[a] + 1) % n, moving[b]))
            for t_i, (first, last) in enumerate(turns):
                prev_v = c[turns[t_i - 1][0]]
                next_v = c[turns[(t_i + 1) % len(turns)][0]]
                if len(turns) <= 2 or min(abs(c[first] - prev_v), abs(c[first] - next_v)) >= min_prominence:
                    if flat > 0:
                        ext = c[first]
                        for _ in range(n):
                            if abs(c[(first - 1) % n] - ext) > flat or (first - 1) % n == last:
                                break
                            first = (first - 1) % n
                        for _ in range(n):
                            if abs(c[(last + 1) % n] - ext) > flat or (last + 1) % n == first:
                                break
                            last = (last + 1) % n
                        # the span's two ends, with the extreme coordinate itself across
                        p0, p1 = pts[first].copy(), pts[last].copy()
                        p0[k] = p1[k] = ext
                    else:
                        p0, p1 = pts[first], pts[last]
                    found.append((float(p0[0]), float(p0[1]), float(p1[0]), float(p1[1]), k))
    return found


def extrema_present(extrema, answer_on_curve: np.ndarray, radius: float = 0.75,
                    along: float = 3.0) -> Tuple[int, int]:
    """(found, total): true extrema (spans from `outline_extrema`, possibly mapped to another frame) matched by
    an on-curve point of the answer that is within `radius` of the extreme coordinate and within `along` of
    its place along the tangent (or of the flat stretch).

    Along the tangent the extreme is ill-defined (the curve is flat there: moving 3 px along a bowl of
    radius 50 px changes the extreme coordinate by 0.1 px), hence the separate, looser bound.

    >>> square = [np.array([[0, 0], [10, 0], [10, 10], [0, 10]], float)]
    >>> extrema_present(outline_extrema(square), np.array([[0, 0], [10, 0], [10, 10.5]]))
    (4, 4)
    >>> extrema_present(outline_extrema(square), np.array([[5, 5]]))
    (0, 4)
    """
    ext = list(extrema)
    if not ext or len(answer_on_curve) == 0:
        return 0, len(ext)
    found = 0
    q = np.asarray(answer_on_curve, float)
    for x0, y0, x1, y1, axis in ext:
        # a flat stretch mapped into a slightly rotated frame is no longer exactly flat: accept the band
        # between its two ends' extreme coordinates
        a_lo, a_hi = sorted(((x0, y0)[axis], (x1, y1)[axis]))
        across = np.maximum(0.0, np.maximum(a_lo - q[:, axis], q[:, axis] - a_hi))
        lo, hi = sorted(((x0, y0)[1 - axis], (x1, y1)[1 - axis]))
        off = np.maximum(0.0, np.maximum(lo - q[:, 1 - axis], q[:, 1 - axis] - hi))
        found += bool(np.any((across <= radius) & (off <= along)))
    return found, len(ext)
