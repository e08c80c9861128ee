"""Scoring against exact ground truth, reading answers only through glyphseg's public output contract.

An answer is a folder as `glyphseg extract` writes it: glyphs.json (boxes, labels, and each glyph's map from
font units to the page: origin, units_per_px, angle), the UFO (outlines in font units) and masks/page-NNN.png.
The truth is a rendered specimen: each glyph's font outline and the affine map that placed it.

Distances are measured on the page, in pixels, and reported in em/1000 of the *true* font: px · 1000 / em_px
with em_px = size_pt / 72 · dpi, the em the specimen was set at (independent of glyphseg's own estimate).
The measures themselves are glyphseg's, shared with its tests: boundary distances and IoU from
glyphseg.geometry, box matching, precision / recall / F1 and mask scores from glyphseg.score, truth rasters
from glyphseg.raster.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from fontTools.pens.pointPen import AbstractPointPen
from PIL import Image
from shapely.geometry.base import BaseGeometry

from glyphseg.geometry import Boundary, FlattenPen, drawing_to_shape, iou, symmetric_distances
from glyphseg.raster import glyph_coverage, pixel_box
from glyphseg.score import match_boxes, mask_fmeasure, psnr
from glyphseg.types import Glyph

CURVE_STEPS = 32  # flattening of curves: chord error < 0.01 px for glyphs at 14 pt / 600 dpi
SAMPLE_PX = 0.5  # boundary sampling step, page px
HIST_BIN = 0.05  # em/1000 per histogram bin for pooled percentiles
HIST_MAX = 1000.0  # em/1000; larger distances fall into the last bin


# ---------------------------------------------------------------------------------------------- geometry

class OnCurveCounter(AbstractPointPen):
    """Counts on-curve points; resolves components through `glyph_set` (a font's composites such as ä)."""

    def __init__(self, glyph_set=None):
        self.n = 0
        self.glyph_set = glyph_set

    def beginPath(self, identifier=None, **kwargs):  # noqa: N802 - fontTools protocol
        pass

    def endPath(self):  # noqa: N802
        pass

    def addPoint(self, pt, segmentType=None, smooth=False, name=None, identifier=None, **kwargs):  # noqa: N802,N803
        if segmentType is not None:
            self.n += 1

    def addComponent(self, baseGlyphName, transformation, identifier=None, **kwargs):  # noqa: N802,N803
        if self.glyph_set is not None:
            self.glyph_set[baseGlyphName].drawPoints(self)


def on_curve_count(glyph, glyph_set=None) -> int:
    pen = OnCurveCounter(glyph_set)
    glyph.drawPoints(pen)
    return pen.n


# ---------------------------------------------------------------------------------------------- truth

class TruthPage:
    """A rendered specimen's ground truth: boxes, chars, outlines on the page, on-curve counts, ink mask."""

    def __init__(self, spec, glyph_set=None):
        from fontTools.ttLib import TTFont

        self.spec = spec
        if glyph_set is None:
            glyph_set = TTFont(spec.font_path).getGlyphSet()
        self.glyph_set = glyph_set
        self.em_px = spec.size_pt / 72.0 * spec.dpi
        self.boxes = [g.bbox for g in spec.glyphs]
        self.chars = [g.char for g in spec.glyphs]
        self._shapes: Dict[int, BaseGeometry] = {}
        self._bounds: Dict[int, Boundary] = {}
        self._oncurve: Dict[str, int] = {}
        self._mask = None

    def __len__(self):
        return len(self.spec.glyphs)

    def shape(self, j: int) -> BaseGeometry:
        if j not in self._shapes:
            g = self.spec.glyphs[j]
            self._shapes[j] = drawing_to_shape(self.glyph_set[g.glyph_name], g.font_to_page, steps=CURVE_STEPS,
                                               glyph_set=self.glyph_set)
        return self._shapes[j]

    def font_contours(self, j: int) -> List[np.ndarray]:
        """The true outline's flattened contours in the font's own units."""
        pen = FlattenPen(self.glyph_set, steps=CURVE_STEPS)
        self.glyph_set[self.spec.glyphs[j].glyph_name].draw(pen)
        return pen.contours

    def contours(self, j: int) -> List[np.ndarray]:
        """The true outline's flattened contours on the page (px)."""
        g = self.spec.glyphs[j]
        return [np.stack(g.font_to_page(c[:, 0], c[:, 1]), axis=1) for c in self.font_contours(j)]

    def extrema(self, j: int, flat_px: float = 0.1) -> List[tuple]:
        """The true outline's extrema (glyphseg.score.outline_extrema spans), found in the font's own units,
        where a flat stretch is exactly flat, then mapped onto the page (px). Stretches within 0.1 px
        (≈ 0.9 em/1000 at the suite's 14 pt, 600 dpi) of the extreme count as flat: no scan resolves an extreme's
        place along such a stretch better than that (glyphseg's mean boundary error is ~0.7 em/1000).
        `flat_px=0` keeps only exactly flat stretches."""
        from glyphseg.score import outline_extrema

        g = self.spec.glyphs[j]
        units_per_px = 1.0 / math.hypot(g.matrix[0, 0], g.matrix[1, 0])
        spans = []
        for x0, y0, x1, y1, axis in outline_extrema(self.font_contours(j), min_prominence=0.06 * units_per_px,
                                                    flat=flat_px * units_per_px):
            (px0, px1), (py0, py1) = g.font_to_page([x0, x1], [y0, y1])
            # a font's y extreme is the page's y extreme (the specimen only rotates by under a degree)
            spans.append((float(px0), float(py0), float(px1), float(py1), axis))
        return spans

    def boundary(self, j: int) -> Boundary:
        if j not in self._bounds:
            self._bounds[j] = Boundary(self.shape(j), SAMPLE_PX)
        return self._bounds[j]

    def on_curve(self, j: int) -> int:
        name = self.spec.glyphs[j].glyph_name
        if name not in self._oncurve:
            self._oncurve[name] = on_curve_count(self.glyph_set[name], self.glyph_set)
        return self._oncurve[name]

    def to_em1000(self, px):
        return np.asarray(px, float) * (1000.0 / self.em_px)

    @property
    def mask(self) -> np.ndarray:
        """Page ink mask of the true outlines: pixels whose exact area coverage is at least one half."""
        if self._mask is None:
            self._mask = truth_mask(self.spec, self.glyph_set)
        return self._mask


def truth_mask(spec, glyph_set) -> np.ndarray:
    h, w = spec.image.shape
    cov = np.zeros((h, w), np.float32)
    for g in spec.glyphs:
        box = X0, Y0, X1, Y1 = pixel_box(g.bbox, pad=2, shape=(h, w))
        if X1 <= X0 or Y1 <= Y0:
            continue
        arr = glyph_coverage(glyph_set[g.glyph_name], g.matrix, box, glyph_set)
        region = cov[Y0:Y1, X0:X1]
        region[...] = 1.0 - (1.0 - region) * (1.0 - arr)
    return cov >= 0.5


# ---------------------------------------------------------------------------------------------- contract

@dataclass
class Contract:
    outdir: str
    manifest: dict
    ufo: object  # ufoLib2.Font
    masks: List[np.ndarray]  # bool page masks, one per page

    @classmethod
    def read(cls, outdir: str) -> "Contract":
        import ufoLib2

        with open(os.path.join(outdir, "glyphs.json"), encoding="utf-8") as fh:
            manifest = json.load(fh)
        ufo = ufoLib2.Font.open(os.path.join(outdir, manifest["ufo"]))
        masks = []
        for p in manifest["pages"]:
            path = os.path.join(outdir, "masks", f"page-{p['index'] + 1:03d}.png")
            masks.append(np.asarray(Image.open(path).convert("L")) >= 128)
        return cls(outdir, manifest, ufo, masks)

    def glyphs(self, page: int = 0) -> List[dict]:
        return [e for e in self.manifest["glyphs"] if e["page"] == page]


def manifest_mapper(entry: dict):
    """UFO point → page pixel, from a manifest entry alone (README: Output)."""
    g = Glyph(id=entry["id"], page=entry["page"], bbox=tuple(entry["bbox"]), components=(),
              origin=tuple(entry["origin"]), units_per_px=entry["units_per_px"], angle=entry["angle"])
    return g.units_to_page


def contract_outlines(contract: Contract, entries: Sequence[dict]) -> List[Optional[Tuple[BaseGeometry, int]]]:
    """Each entry's outline on the page and its on-curve count, or None where the UFO holds none."""
    out = []
    for e in entries:
        name = e.get("name")
        if name is None or name not in contract.ufo:
            out.append(None)
            continue
        glyph = contract.ufo[name]
        if not len(glyph):
            out.append(None)
            continue
        out.append((drawing_to_shape(glyph, manifest_mapper(e), steps=CURVE_STEPS), on_curve_count(glyph),
                    glyph, e))
    return out


def outline_checks(glyph, entry: dict, true_extrema_px: Dict[str, Sequence[tuple]]) -> dict:
    """Designer's checks of one UFO glyph, in its own upright font-unit frame: true extrema (TruthPage.extrema,
    one list per definition: "exact" flat stretches only, "nearflat" within 0.1 px) that have an on-curve
    point (glyphseg.score.extrema_present: within 0.75 px across, 3 px along the tangent) and
    self-intersecting contours."""
    from shapely.geometry import Polygon

    from glyphseg.score import extrema_present

    g = Glyph(id=entry["id"], page=entry["page"], bbox=tuple(entry["bbox"]), components=(),
              origin=tuple(entry["origin"]), units_per_px=entry["units_per_px"], angle=entry["angle"])
    upp = g.units_per_px
    on = np.array([(p.x, p.y) for c in glyph for p in c if p.segmentType is not None], float).reshape(-1, 2)
    out = {}
    for key, suffix in (("exact", ""), ("nearflat", "_nearflat")):
        spans = []
        for x0, y0, x1, y1, axis in true_extrema_px[key]:
            (ux0, ux1), (uy0, uy1) = g.page_to_units(np.array([x0, x1]), np.array([y0, y1]))
            spans.append((ux0, uy0, ux1, uy1, axis))
        found, total = extrema_present(spans, on, radius=0.75 * upp, along=3.0 * upp)
        out["extrema_found" + suffix], out["extrema_total" + suffix] = found, total
    pen = FlattenPen(steps=CURVE_STEPS)
    glyph.draw(pen)
    out["self_intersecting"] = sum(1 for c in pen.contours if len(c) >= 3 and not Polygon(c).is_valid)
    return out


def ufo_compiles(ufo) -> Tuple[bool, str]:
    """ufo2ft compileOTF on the UFO as written."""
    import logging

    from ufo2ft import compileOTF

    logging.getLogger("ufo2ft").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        otf = compileOTF(ufo)
        return ("CFF " in otf), ""
    except Exception as e:  # noqa: BLE001 - any failure is the answer
        return False, f"{type(e).__name__}: {e}"[:300]


# ---------------------------------------------------------------------------------------------- scores

def new_hist() -> np.ndarray:
    return np.zeros(int(HIST_MAX / HIST_BIN) + 1, np.int64)


def add_to_hist(hist: np.ndarray, values: np.ndarray) -> None:
    idx = np.minimum((np.asarray(values) / HIST_BIN).astype(np.int64), len(hist) - 1)
    np.add.at(hist, idx, 1)


def hist_quantile(hist: np.ndarray, q: float) -> float:
    total = hist.sum()
    if total == 0:
        return float("nan")
    c = np.cumsum(hist)
    i = int(np.searchsorted(c, q * total))
    return (i + 0.5) * HIST_BIN


@dataclass
class OutlineScore:
    """Per-glyph outline scores for one answer, plus pooled boundary-distance statistics."""

    glyphs: List[dict] = field(default_factory=list)  # per matched glyph: char, iou, d_mean, d_p95, pts, pts_src
    missing: int = 0  # matched glyphs without an outline
    dist_sum: float = 0.0
    dist_n: int = 0
    hist: np.ndarray = field(default_factory=new_hist)

    def add(self, char, answer: Optional[Tuple[BaseGeometry, int]], truth: TruthPage, j: int) -> None:
        if answer is None or answer[0].is_empty:
            self.missing += 1
            self.glyphs.append({"char": char, "iou": 0.0, "d_mean": None, "d_p95": None, "pts": 0,
                                "pts_src": truth.on_curve(j)})
            return
        shape, pts = answer[:2]
        checks = (outline_checks(answer[2], answer[3], {"exact": truth.extrema(j, 0.0), "nearflat": truth.extrema(j)})
                  if len(answer) > 2 else {})
        d = truth.to_em1000(symmetric_distances(Boundary(shape, SAMPLE_PX), truth.boundary(j)))
        self.dist_sum += float(d.sum())
        self.dist_n += int(d.size)
        add_to_hist(self.hist, d)
        self.glyphs.append({"char": char, "iou": round(iou(shape, truth.shape(j)), 5),
                            "d_mean": round(float(d.mean()), 3), "d_p95": round(float(np.percentile(d, 95)), 3),
                            "pts": int(pts), "pts_src": truth.on_curve(j), **checks})

    def summary(self) -> dict:
        return summarize_outlines([self])


def summarize_outlines(scores: Sequence[OutlineScore]) -> dict:
    glyphs = [g for s in scores for g in s.glyphs]
    traced = [g for g in glyphs if g["d_mean"] is not None]
    hist = sum((s.hist for s in scores), new_hist())
    n = sum(s.dist_n for s in scores)
    ratios = [g["pts"] / g["pts_src"] for g in traced if g["pts_src"]]
    return {
        "glyphs": len(glyphs),
        "missing": sum(s.missing for s in scores),
        "iou_mean": _mean([g["iou"] for g in glyphs]),
        "iou_traced_mean": _mean([g["iou"] for g in traced]),
        "iou_min": min((g["iou"] for g in glyphs), default=float("nan")),
        "dist_mean": sum(s.dist_sum for s in scores) / n if n else float("nan"),
        "dist_p95": hist_quantile(hist, 0.95),
        "points_ratio": (sum(g["pts"] for g in traced) / sum(g["pts_src"] for g in traced)
                         if traced and sum(g["pts_src"] for g in traced) else float("nan")),
        "points_ratio_median": float(np.median(ratios)) if ratios else float("nan"),
        "extrema_share": _share(traced, ""),
        "extrema_share_nearflat": _share(traced, "_nearflat"),
        "self_intersecting": sum(g.get("self_intersecting", 0) for g in traced),
    }


def _share(traced, suffix: str) -> float:
    total = sum(g.get("extrema_total" + suffix, 0) for g in traced)
    return sum(g.get("extrema_found" + suffix, 0) for g in traced) / total if total else float("nan")


def _mean(values) -> float:
    values = list(values)
    return float(np.mean(values)) if values else float("nan")


def detection_score(pred_boxes, pred_chars, truth_boxes, truth_chars, threshold: float = 0.5) -> dict:
    """Detection (one-to-one, IoU ≥ threshold) and labels: a true glyph is labelled right when it is matched
    and its detection carries exactly its text."""
    m = match_boxes(pred_boxes, truth_boxes, threshold)
    correct = sum(1 for i, j in m.pairs if pred_chars[i] is not None and pred_chars[i] == truth_chars[j])
    labelled = sum(1 for c in pred_chars if c is not None)
    return {"tp": len(m.pairs), "fp": len(m.unmatched_pred), "fn": len(m.unmatched_true), "n_true": len(truth_boxes),
            "n_pred": len(pred_boxes), "labelled": labelled, "correct": correct,
            "precision": m.precision, "recall": m.recall, "f1": m.f1,
            "label_acc": correct / len(truth_boxes) if truth_boxes else float("nan"),
            "missed": "".join(str(truth_chars[j]) for j in m.unmatched_true),
            "mislabelled": "".join(str(truth_chars[j]) for i, j in m.pairs if pred_chars[i] != truth_chars[j]),
            "_pairs": m.pairs}


def mask_scores(pred: np.ndarray, true: np.ndarray) -> dict:
    return {"fm": mask_fmeasure(pred, true), "psnr": psnr(pred, true)}


def score_contract(contract: Contract, truth: TruthPage, labels: bool = True, compile_ufo: bool = True) -> dict:
    """Everything measurable about one extraction folder of one specimen page."""
    entries = contract.glyphs(0)
    det = detection_score([e["bbox"] for e in entries], [e.get("char") if labels else None for e in entries],
                          truth.boxes, truth.chars)
    pairs = det.pop("_pairs")
    answers = contract_outlines(contract, [entries[i] for i, _ in pairs])
    outlines = OutlineScore()
    for (i, j), ans in zip(pairs, answers):
        outlines.add(truth.chars[j], ans, truth, j)
    out = {"detection": det, "outlines": outlines.summary(), "per_glyph": outlines.glyphs,
           "mask": mask_scores(contract.masks[0], truth.mask), "timings": contract.manifest.get("timings", {}),
           "_hist": outlines, "_pairs": pairs}
    if compile_ufo:
        ok, err = ufo_compiles(contract.ufo)
        out["ufo_compiles"] = ok
        if err:
            out["ufo_error"] = err
    return out
