"""Report: OUTDIR/report.html and its folder OUTDIR/report/ — what a typographer checks by eye.

Opens from disk, no server, no network: every picture and the font are files beside the page.

- First, the font: the extracted glyphs compiled with ufo2ft (WOFF2 when brotli is installed, else OTF) and
  set as text through the page's @font-face, next to a summary (counts, metrics, timings, notes).
- Page overviews: the scan with every glyph's box, label and confidence colour, and the baselines, drawn
  as SVG over the page picture in page pixels (click a box to jump to its card).
- A card per glyph: the scan crop of the glyph's em box (the same crop the UFO carries as background
  image, with the ink of neighbouring glyphs dimmed), the segmenter's mask tinted over it, and the traced
  outline with its on-curve points (filled), off-curve points (hollow) and handles, plus baseline, x-height,
  cap height, ascender, descender and side bearings — all mapped onto the scan through the manifest's
  transform, so what you see is what the UFO holds. Warnings: low confidence, label unsure, topology
  mismatch, touching neighbour split, no outline.

How it is built, in four separate steps that `write_report` runs in turn:

1. pictures — `write_page_images` (the pages, downscaled) and `write_glyph_images` (a PNG scan crop and a
   PNG mask per glyph) write the files under report/;
2. the font — `compile_font` writes the WOFF2/OTF the page sets its samples in;
3. the view model — `report_view` turns the extraction into plain dicts and lists: `font_view` (samples),
   `report_stats` (the summary tables), `page_view` / `page_overview` (page pictures and their boxes),
   `card_groups` / `card_view` (the cards). Only numbers go into the SVG snippets made in Python
   (`outline_svg`), which are therefore passed on as `Markup`;
4. the HTML — `render_report` renders the Jinja2 templates in glyphseg/report_templates/ (report.html.j2 with
   the partials _font, _stats, _page and _card, the style sheet report.css.j2 and the script report.js) with
   autoescaping on: every name, label, file name and note from the extraction is escaped by Jinja2.

Writing ~100 cards takes a fraction of a second: a PNG crop and a PNG mask per glyph, the vector overlay
inline.
"""
from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import time
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np
from fontTools.misc.transform import Transform
from fontTools.pens.recordingPen import RecordingPointPen
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .export import IMAGE_MARGIN_EM, scan_crop_box
from .types import Extraction, Glyph, Page
from .workers import in_background

REPORT_DIR = "report"
FONT_FAMILY_CSS = "glyphseg extracted"  # the @font-face family: never a system font's name
CARD_EM_PX = 150  # css px for the em box (descender…ascender plus margins) of every card: one scale for all
CARD_MAX_W = 230  # css px; wider glyphs are shown smaller
CARD_MIN_W = 112  # css px
PAGE_MAX_PX = 2400  # page pictures are downscaled to this longer side (the overlay stays in page pixels)
LOW_CONFIDENCE = 0.3
UNSURE = 0.6
NEIGHBOUR_INK_KEEP = 0.12  # share of its contrast a neighbouring glyph's ink keeps in a card's scan crop
NEIGHBOUR_GROW_PX = 2  # neighbours' masks grow by this much (their antialiased edges), the glyph's own by 1
SAMPLE_TEXTS = [
    "The quick brown fox jumps over the lazy dog",
    "Pack my box with five dozen liquor jugs",
    "Sphinx of black quartz, judge my vow",
    "Hamburgefonstiv",
    "HAMBURGEFONSTIV",
]
SPACING_TEXTS = ["nnonnooonoo", "HHOHHOOOHOO", "00100200300"]
WATERFALL_PX = (10, 12, 14, 18)


# ----------------------------------------------------------------------------------------------------------
# what each glyph's state is


def confidence_class(g: Glyph) -> str:
    """CSS class of the glyph's label confidence: sure, unsure, low, or none (unlabelled / not in the font)."""
    if g.char is None:
        return "none"
    if g.score >= UNSURE:
        return "sure"
    if g.score >= LOW_CONFIDENCE:
        return "unsure"
    return "low"


def glyph_warnings(ex: Extraction, g: Glyph) -> List[str]:
    """What a typographer should look at on this glyph. Attributes other stages may add later (`topology_ok`,
    `split`) are read with defaults, so the report works with and without them."""
    warnings = []
    if g.char is None:
        warnings.append("unlabelled" if g.name else "matched no character of the text; not in the font")
    elif g.score < LOW_CONFIDENCE:
        warnings.append("low confidence")
    elif g.score < UNSURE:
        warnings.append("label unsure")
    if getattr(g, "topology_ok", True) is False:
        warnings.append("topology mismatch")
    if getattr(g, "split", False):
        warnings.append("touching neighbour split")
    outline = ex.outlines.get(g.id)
    if outline is None or not outline.contours:
        warnings.append("no outline")
    return warnings


def _not_in_font(warning: str) -> bool:
    return warning.startswith("matched no")


def serious_warnings(warnings: Sequence[str]) -> List[str]:
    """The warnings that make a card count as 'with warnings' (not merely unlabelled or outside the font)."""
    return [w for w in warnings if w != "unlabelled" and not _not_in_font(w)]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def _n(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".") if v % 1 else str(int(v))


# ----------------------------------------------------------------------------------------------------------
# pictures


class PagePicture(NamedTuple):
    src: str  # relative to report.html
    width: int  # pixels of the (downscaled) picture
    height: int


class GlyphPictures(NamedTuple):
    box: Tuple[int, int, int, int]  # the crop of the page: export.scan_crop_box
    scan: str  # relative to report.html
    mask: Optional[str]  # None: the glyph has no mask


# zlib strategies: a scan's grain leaves LZ77 matching nothing to find (Huffman coding alone: pages 1.79 ->
# 1.58 MB in half the time, 0.10 -> 0.05 s), while a mask's flat runs suit run-length matching (15 % smaller).
SCAN_PNG = cv2.IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY
MASK_PNG = cv2.IMWRITE_PNG_STRATEGY_RLE


def _write_png(path: str, img: np.ndarray, strategy: int = SCAN_PNG) -> None:
    ok, buf = cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_STRATEGY, strategy])
    if not ok:  # pragma: no cover - cv2 encodes any uint8 array
        raise OSError(f"cannot encode {path}")
    with open(path, "wb") as fh:
        fh.write(buf.tobytes())


def _mask_crop(ex: Extraction, g: Glyph, box) -> Optional[np.ndarray]:
    """The glyph's binary mask (soft ≥ 0.5) over the crop `box` of the page, or None."""
    mask = ex.masks.get(g.id)
    if mask is None:
        return None
    x0, y0, x1, y1 = box
    out = np.zeros((y1 - y0, x1 - x0), bool)
    mh, mw = mask.soft.shape
    ox, oy = mask.x0 - x0, mask.y0 - y0
    sx0, sy0 = max(0, -ox), max(0, -oy)
    dx0, dy0 = max(0, ox), max(0, oy)
    w = min(mw - sx0, out.shape[1] - dx0)
    h = min(mh - sy0, out.shape[0] - dy0)
    if w > 0 and h > 0:
        out[dy0:dy0 + h, dx0:dx0 + w] = mask.soft[sy0:sy0 + h, sx0:sx0 + w] >= 0.5
    return out


def _mask_rgba(mask: np.ndarray) -> np.ndarray:
    """Blue, translucent where the mask is set, transparent elsewhere (BGRA for cv2)."""
    img = np.zeros(mask.shape + (4,), np.uint8)
    img[mask] = (255, 110, 30, 120)
    return img


def _grow(mask: np.ndarray, px: int) -> np.ndarray:
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
    return cv2.dilate(mask.astype(np.uint8), k).astype(bool)


MaskIndex = Dict[int, Tuple[List[Glyph], np.ndarray]]


def mask_index(ex: Extraction) -> MaskIndex:
    """By page: the glyphs that have a mask, and their masks' extents (N×4: x0, y0, x1, y1 in page px)."""
    out: MaskIndex = {}
    for g in ex.glyphs:
        m = ex.masks.get(g.id)
        if m is not None:
            glyphs, boxes = out.setdefault(g.page, ([], []))
            glyphs.append(g)
            boxes.append((m.x0, m.y0, m.x0 + m.soft.shape[1], m.y0 + m.soft.shape[0]))
    return {k: (gs, np.array(bs, dtype=np.int64).reshape(-1, 4)) for k, (gs, bs) in out.items()}


def neighbour_ink(ex: Extraction, g: Glyph, box, own: Optional[np.ndarray],
                  index: Optional[MaskIndex] = None) -> np.ndarray:
    """The pixels of the crop `box` that belong to other glyphs: their masks (grown by NEIGHBOUR_GROW_PX to
    take in antialiased edges) less glyph `g`'s own (grown by 1 px; its ink box when it has no mask).

    The page's component map (`Glyph.components`' labels) is not part of the Extraction, so the segmenters'
    masks stand in for the neighbours' ink; ink no glyph claims (specks, rules) is left as it is. `index`:
    `mask_index(ex)`, to build once for many glyphs."""
    x0, y0, x1, y1 = box
    others = np.zeros((y1 - y0, x1 - x0), bool)
    glyphs, extents = (index if index is not None else mask_index(ex)).get(g.page, ([], np.zeros((0, 4))))
    hits = (extents[:, 0] < x1) & (extents[:, 1] < y1) & (extents[:, 2] > x0) & (extents[:, 3] > y0)
    for i in np.flatnonzero(hits):
        if glyphs[i].id != g.id:
            others |= _mask_crop(ex, glyphs[i], box)
    if not others.any():
        return others
    if own is None:
        own = np.zeros_like(others)
        gx0, gy0, gx1, gy1 = g.bbox
        own[max(0, gy0 - y0):max(0, gy1 - y0), max(0, gx0 - x0):max(0, gx1 - x0)] = True
    return _grow(others, NEIGHBOUR_GROW_PX) & ~_grow(own, 1)


def dim_neighbours(crop: np.ndarray, where: np.ndarray, keep: float = NEIGHBOUR_INK_KEEP) -> np.ndarray:
    """`crop` (grey, 0 = ink) with the pixels `where` faded towards the crop's paper, keeping `keep` of their
    contrast."""
    out = crop.copy()
    if where.any():
        paper = float(np.percentile(crop, 95))
        v = crop[where].astype(np.float32)
        out[where] = np.where(v < paper, paper - (paper - v) * keep, v).round().astype(np.uint8)
    return out


def write_page_images(ex: Extraction, rdir: str) -> Dict[int, PagePicture]:
    """report/pages/page-NNN.png for every page, downscaled to PAGE_MAX_PX; by page index."""
    out = {}
    for p in ex.pages:
        name = f"pages/page-{p.index + 1:03d}.png"
        img = p.image
        scale = min(1.0, PAGE_MAX_PX / max(p.width, p.height))
        if scale < 1.0:
            img = cv2.resize(img, (max(1, round(p.width * scale)), max(1, round(p.height * scale))),
                             interpolation=cv2.INTER_AREA)
        _write_png(os.path.join(rdir, name), img)
        out[p.index] = PagePicture(f"{REPORT_DIR}/{name}", int(img.shape[1]), int(img.shape[0]))
    return out


def write_glyph_images(ex: Extraction, rdir: str) -> Dict[str, GlyphPictures]:
    """report/scan/ID.png (the crop of the glyph's em box, neighbours dimmed) and report/mask/ID.png (the
    mask, blue on transparent) for every glyph; by glyph id."""
    m = ex.metrics
    pages = {p.index: p for p in ex.pages}
    index = mask_index(ex)
    out = {}
    for g in ex.glyphs:
        page: Page = pages[g.page]
        box = scan_crop_box(g, page, m.ascender, m.descender, m.units_per_em)
        x0, y0, x1, y1 = box
        fid = _safe(g.id)
        own = _mask_crop(ex, g, box)
        crop = np.ascontiguousarray(page.image[y0:y1, x0:x1])
        scan = dim_neighbours(crop, neighbour_ink(ex, g, box, own, index))
        _write_png(os.path.join(rdir, "scan", f"{fid}.png"), scan)
        mask_src = None
        if own is not None:
            _write_png(os.path.join(rdir, "mask", f"{fid}.png"), _mask_rgba(own), MASK_PNG)
            mask_src = f"{REPORT_DIR}/mask/{fid}.png"
        out[g.id] = GlyphPictures(box, f"{REPORT_DIR}/scan/{fid}.png", mask_src)
    return out


# ----------------------------------------------------------------------------------------------------------
# vector overlays (SVG made of numbers only)


def units_to_crop(g: Glyph, box) -> Transform:
    """Font units of glyph `g` → pixel coordinates of the page crop `box` (x right, y down): the manifest's
    mapping (`Glyph.units_to_page`) shifted to the crop."""
    a = math.radians(g.angle)
    c, s, k = math.cos(a), math.sin(a), g.units_per_px
    return Transform(c / k, -s / k, -s / k, -c / k, g.origin[0] - box[0], g.origin[1] - box[1])


def _circle(x: float, y: float, r: float) -> str:
    """A circle as path data (many circles make one path: one DOM node per card instead of hundreds)."""
    return f"M{_n(x - r)} {_n(y)}a{_n(r)} {_n(r)} 0 1 0 {_n(2 * r)} 0a{_n(r)} {_n(r)} 0 1 0 {_n(-2 * r)} 0"


def outline_svg(ex: Extraction, g: Glyph, box, r: float) -> Markup:
    """SVG elements (in crop pixels) for the glyph: metric lines, outline, handles, points. Markup: made of
    numbers and fixed class names only."""
    m = ex.metrics
    t = units_to_crop(g, box)
    parts = []
    # metric lines in font units → crop px
    margin = IMAGE_MARGIN_EM * m.units_per_em
    adv = max(g.advance, 0)
    segs = []
    for y, cls in ((0, "base"), (m.x_height, "xh"), (m.cap_height, "cap"), (m.ascender, "asc"),
                   (m.descender, "desc")):
        (xa, ya), (xb, yb) = t.transformPoint((-margin, y)), t.transformPoint((adv + margin, y))
        segs.append(f'<path class="m {cls}" d="M{_n(xa)} {_n(ya)}L{_n(xb)} {_n(yb)}"/>')
    for x in (0, adv):
        (xa, ya), (xb, yb) = t.transformPoint((x, m.descender - margin)), t.transformPoint((x, m.ascender + margin))
        segs.append(f'<path class="m sb" d="M{_n(xa)} {_n(ya)}L{_n(xb)} {_n(yb)}"/>')
    parts.append(f'<g class="metrics">{"".join(segs)}</g>')
    outline = ex.outlines.get(g.id)
    if outline is None or not outline.contours:
        return Markup("".join(parts))
    pen = SVGPathPen(None, ntos=_n)
    outline.draw(TransformPen(pen, t))
    parts.append(f'<path class="outline" d="{pen.getCommands()}"/>')
    # the UFO's points, exactly as drawPoints gives them
    rec = RecordingPointPen()
    outline.drawPoints(rec)
    contours, current = [], None
    for op, args, _ in rec.value:
        if op == "beginPath":
            current = []
        elif op == "addPoint":
            current.append((args[0], args[1]))
        elif op == "endPath":
            contours.append(current)
    handles, on, off = [], [], []
    for pts in contours:
        n = len(pts)
        xy = [t.transformPoint(p) for p, _ in pts]
        for i, (p, seg) in enumerate(pts):
            x, y = xy[i]
            if seg is None:
                off.append(_circle(x, y, r))
                for j in ((i - 1) % n, (i + 1) % n):
                    if pts[j][1] is not None:
                        xj, yj = xy[j]
                        handles.append(f"M{_n(x)} {_n(y)}L{_n(xj)} {_n(yj)}")
            else:
                on.append(_circle(x, y, r))
    parts.append(f'<g class="points"><path class="handles" d="{"".join(handles)}"/>'
                 f'<path class="off" d="{"".join(off)}"/><path class="on" d="{"".join(on)}"/></g>')
    return Markup("".join(parts))


def page_overview(ex: Extraction, page_index: int) -> dict:
    """Boxes, labels and baselines for one page, in page pixels (the view model of the _page template's
    `page_overview` macro): numbers as strings, names and labels as they are (the template escapes them)."""
    page = ex.pages[page_index]
    glyphs = [g for g in ex.glyphs if g.page == page_index]
    heights = [g.height for g in glyphs if g.char] or [g.height for g in glyphs] or [20]
    fs = max(6.0, 0.42 * float(np.median(heights)))
    by_id = {g.id: g for g in glyphs}
    baselines = []
    for line in ex.lines:
        members = [by_id[i] for i in line.glyph_ids if i in by_id] if line.page == page_index else []
        if members:
            xa, xb = min(g.bbox[0] for g in members), max(g.bbox[2] for g in members)
            baselines.append(f"M{_n(xa)} {_n(line.baseline_y(xa))}L{_n(xb)} {_n(line.baseline_y(xb))}")
    boxes = []
    for g in glyphs:
        x0, y0, x1, y1 = g.bbox
        boxes.append({
            "id": g.id, "cls": confidence_class(g), "label": g.char or "",
            "tip": f"{g.char or '—'} · {g.name or 'not in the font'} · score {g.score:.2f} · {g.id}",
            "x": _n(x0 - 0.5), "y": _n(y0 - 0.5), "w": _n(x1 - x0 + 1), "h": _n(y1 - y0 + 1),
            "tx": _n(x0), "ty": _n(y0 - 0.25 * fs)})
    several = len(ex.faces) > 1
    tags = []  # which face each line is set in, at its start (several faces only)
    for line in ex.lines:
        members = [by_id[i] for i in line.glyph_ids if i in by_id] if line.page == page_index else []
        if several and members:
            first = min(members, key=lambda g: g.bbox[0])
            tags.append({"x": _n(max(0.0, first.bbox[0] - 2.2 * fs)), "y": _n(line.baseline_y(first.bbox[0])),
                         "face": first.face, "label": f"F{first.face + 1}"})
    elements = [{"kind": e.kind, "x": _n(e.bbox[0] - 0.5), "y": _n(e.bbox[1] - 0.5), "w": _n(e.bbox[2] - e.bbox[0] + 1),
                 "h": _n(e.bbox[3] - e.bbox[1] + 1), "ty": _n(e.bbox[1] - 0.25 * fs)}
                for e in ex.elements if e.page == page_index]
    return {"width": page.width, "height": page.height, "font_size": _n(fs), "baselines": baselines,
            "boxes": boxes, "tags": tags, "elements": elements}


def page_overview_svg(ex: Extraction, page_index: int) -> Markup:
    """The page overview as an SVG element (rendered by the _page template, escaped there)."""
    return _env().get_template("_page.html.j2").module.page_overview(page_overview(ex, page_index))


# ----------------------------------------------------------------------------------------------------------
# the font


def compile_font(font, path_stem: str) -> Tuple[Optional[str], Optional[str], float]:
    """Compile the UFO with ufo2ft to `path_stem`.woff2 (brotli installed) or .otf.

    Returns (path, css format, seconds) or (None, error message, seconds); the report shows the error instead
    of failing: a font that does not compile is something to check, not a reason to lose the report."""
    t = time.perf_counter()
    try:
        import ufo2ft

        otf = ufo2ft.compileOTF(font, optimizeCFF=1, useProductionNames=False)
        try:
            import brotli  # noqa: F401 - WOFF2 needs it

            otf.flavor = "woff2"
            path, fmt = path_stem + ".woff2", "woff2"
        except ImportError:
            path, fmt = path_stem + ".otf", "opentype"
        otf.save(path)
        return path, fmt, time.perf_counter() - t
    except Exception as e:  # noqa: BLE001 - reported on the page
        return None, f"{type(e).__name__}: {e}", time.perf_counter() - t


def sample_lines(ex: Extraction, chars: set) -> Tuple[List[str], List[str], List[str]]:
    """The font's characters line by line as found on the page(s); sample sentences and spacing strings
    that the font can set completely."""
    lines: Dict[Tuple[int, int], List[str]] = {}
    seen = set()
    for g in sorted(ex.glyphs, key=lambda g: (g.page, g.line, g.order)):
        if g.char and g.char in chars and g.char not in seen and not g.char.isspace():
            seen.add(g.char)
            lines.setdefault((g.page, g.line), []).append(g.char)
    char_lines = ["".join(v) for _, v in sorted(lines.items())]
    rest = sorted(c for c in chars if c not in seen and not c.isspace())
    if rest:
        char_lines.append("".join(rest))
    sentences = [s for s in SAMPLE_TEXTS if set(s) <= chars][:3]
    if not sentences:
        word = "".join(c for c in "Hamburgefonstiv" if c in chars)
        if word:
            sentences = [word]
    spacing = [s for s in SPACING_TEXTS if set(s) <= chars]
    return char_lines, sentences, spacing


def spacing_note(ex: Extraction) -> str:
    """How the advance widths were found, in a phrase: from the gaps, and what became of the tracking.

    >>> from glyphseg.types import FontMetrics
    >>> ex = Extraction([], [], [], {}, {}, FontMetrics(1000, 800, -200, 500, 700), spacing={"g1": "gaps"},
    ...                 tracking=0.1, tracking_estimate=0.1)
    >>> print(spacing_note(ex))
    advance widths from the gaps between the letters, less a tracking of 0.100 em (estimated from the letters' counters)
    """
    from .spacing import TRACKING_EVIDENCE

    if not ex.spacing:
        return "advance widths as measured (half of each gap)"
    text = "advance widths from the gaps between the letters"
    estimate = ex.tracking_estimate
    if ex.tracking and estimate is not None and abs(ex.tracking - estimate) < 1e-9:
        return text + f", less a tracking of {ex.tracking:.3f} em (estimated from the letters' counters)"
    if ex.tracking:
        return text + f", less a tracking of {ex.tracking:.3f} em (as given)"
    if estimate is None:
        return text + ", as printed (no n, o or H labelled to tell the tracking by)"
    if abs(estimate) <= TRACKING_EVIDENCE:
        return text + (f", as printed (the tracking the letters' counters suggest, {estimate:+.3f} em, is within a "
                       "face's own spacing)")
    return text + f", as printed, as asked (the letters' counters suggest a tracking of {estimate:+.3f} em)"


def font_view(ex: Extraction, font, font_path: Optional[str], font_fmt: Optional[str], compile_s: float) -> dict:
    """The first section: what the page sets in the compiled font (the _font template's view model).

    `state`: "samples" (lines set in the font), "no_chars" (compiled, but no glyph carries a character) or
    "failed" (`error` says why the UFO did not compile)."""
    chars = {chr(u) for glyph in font for u in glyph.unicodes}
    char_lines, sentences, spacing = sample_lines(ex, chars)
    view = {"n_glyphs": sum(1 for g in ex.glyphs if g.name is not None and g.name in font),
            "compile_s": None if reproducible() else compile_s, "face": None, "error": None, "char_lines": char_lines,
            "sentences": sentences[:2], "spacing": " ".join(spacing),
            "waterfall": sentences[0] if sentences else (char_lines[0] if char_lines else ""),
            "waterfall_px": WATERFALL_PX, "spacing_note": spacing_note(ex)}
    if not font_path:
        view.update(state="failed", error=font_fmt)
    else:
        view.update(state="samples" if char_lines else "no_chars",
                    face={"src": f"{REPORT_DIR}/{os.path.basename(font_path)}", "format": font_fmt})
    return view


# ----------------------------------------------------------------------------------------------------------
# statistics


def _row(key, value, kind: str = "") -> dict:
    return {"key": key, "value": value, "kind": kind}


def reproducible() -> bool:
    """A reproducible build was asked for (SOURCE_DATE_EPOCH, reproducible-builds.org): no durations."""
    return bool(os.environ.get("SOURCE_DATE_EPOCH"))


def report_stats(ex: Extraction, font, compile_s: Optional[float]) -> dict:
    """The summary tables — `glyphs`, `metrics` and `timings`, each a list of {key, value, kind} rows — and
    `n_warned`, the number of cards with warnings."""
    m = ex.metrics
    in_font = [g for g in ex.glyphs if g.name is not None and g.name in font]
    warn_counts: Dict[str, int] = {}
    n_warned = 0
    for g in ex.glyphs:
        warnings = glyph_warnings(ex, g)
        n_warned += bool(serious_warnings(warnings))
        for w in warnings:
            key = "not in the font" if _not_in_font(w) else w
            warn_counts[key] = warn_counts.get(key, 0) + 1
    alternates = sum(1 for g in in_font if ex.unicodes.get(g.name) is None)
    glyph_rows = [_row("detected glyphs", len(ex.glyphs), "big"),
                  _row("in the font", f"{len(in_font)}" + (f" ({alternates} alternates)" if alternates else "")),
                  _row("labelled", sum(1 for g in ex.glyphs if g.char is not None)),
                  _row("matched no character", sum(1 for g in ex.glyphs if g.name is None)),
                  _row("cards with warnings", n_warned)]
    glyph_rows += [_row(k, v, "sub") for k, v in sorted(warn_counts.items())]
    pages = {p.index: p for p in ex.pages}
    sized = [g for g in ex.glyphs if g.char] or ex.glyphs
    em_px = float(np.median([m.units_per_em / g.units_per_px for g in sized])) if sized else 0.0
    body = float(np.median([m.units_per_em / g.units_per_px / pages[g.page].dpi * 72 for g in sized])) if sized else 0.0
    dpi = float(np.median([pages[g.page].dpi for g in sized])) if sized else 0.0
    metric_rows = [_row("unitsPerEm", m.units_per_em), _row("ascender", m.ascender),
                   _row("capHeight", m.cap_height), _row("xHeight", m.x_height), _row("descender", m.descender),
                   _row("body size (estimated)", f"{body:.1f} pt · {em_px:.0f} px/em at {dpi:g} dpi")]
    timing_rows = [_row(k[:-2], f"{v:.2f} s") for k, v in ex.timings.items()
                   if k.endswith("_s") and isinstance(v, (int, float))]
    if compile_s is None:  # a reproducible build (see `reproducible`): durations never repeat
        timing_rows = [_row("durations", "left out (SOURCE_DATE_EPOCH is set)")]
    else:
        timing_rows += [_row("font compile (report)", f"{compile_s:.2f} s")]
    timing_rows += [_row("segmenter", ex.timings.get("segmenter", "—"))]
    return {"glyphs": glyph_rows, "metrics": metric_rows, "timings": timing_rows, "n_warned": n_warned}


# ----------------------------------------------------------------------------------------------------------
# the view model


def page_view(ex: Extraction, page: Page, picture: PagePicture) -> dict:
    """A page figure: its picture, overview (boxes, baselines) and caption."""
    n = sum(1 for g in ex.glyphs if g.page == page.index)
    angles = [ln.angle for ln in ex.lines if ln.page == page.index]
    skew = f", skew {np.median(angles):.2f}°" if angles else ""
    caption = (f"Page {page.index + 1}: {page.source}, source page {page.source_page + 1}, {page.dpi:g} dpi, "
               f"{page.width}×{page.height} px, {n} glyphs{skew}")
    return {"number": page.index + 1, "width": page.width, "height": page.height, "src": picture.src,
            "img_width": picture.width, "img_height": picture.height, "caption": caption,
            "overview": page_overview(ex, page.index)}


def _warning_view(w: str) -> dict:
    if _not_in_font(w):
        return {"cls": "notfont", "text": "not in the font"}
    return {"cls": "unlabelled" if w == "unlabelled" else "", "text": w}


def card_view(ex: Extraction, g: Glyph, pictures: GlyphPictures) -> dict:
    """One glyph card (the _card template's `glyph_card` view model)."""
    m = ex.metrics
    x0, y0, x1, y1 = pictures.box
    w, h = x1 - x0, y1 - y0
    span = (m.ascender - m.descender) + 2 * IMAGE_MARGIN_EM * m.units_per_em
    s = CARD_EM_PX * g.units_per_px / span  # css px per page px: one em the same size on every card
    s = min(s, CARD_MAX_W / w)
    warnings = glyph_warnings(ex, g)
    outline = ex.outlines.get(g.id)
    n_on = outline.on_curve_count() if outline else 0
    n_all = sum(len(c) for c in outline.contours) if outline else 0
    return {
        "id": g.id, "cls": confidence_class(g), "warned": bool(serious_warnings(warnings)),
        "title": f"{g.id}: {g.char or 'no character'} → {g.name or 'not in the font'}",
        "width": f"{max(CARD_MIN_W, w * s + 14):.0f}", "view_width": f"{w * s:.1f}", "view_height": f"{h * s:.1f}",
        "w": w, "h": h, "scan": pictures.scan, "mask": pictures.mask, "alt": g.char or g.id,
        "svg": outline_svg(ex, g, pictures.box, 2.0 / s),  # point radius in crop px = 2 css px
        "char": g.char, "name": g.name, "score": f"{g.score:.2f}" if g.char else "—",
        "advance": g.advance, "n_on": n_on, "n_off": n_all - n_on, "consensus": ex.consensus.get(g.id),
        "warnings": [_warning_view(wn) for wn in warnings]}


def card_groups(ex: Extraction, glyphs: Sequence[Glyph], pictures: Dict[str, GlyphPictures]) -> List[dict]:
    """Cards in reading order, one group per text line: [{head, cards}]."""
    groups: List[dict] = []
    last = None
    for g in sorted(glyphs, key=lambda g: (g.page, g.line, g.order)):
        if (g.page, g.line) != last:
            last = (g.page, g.line)
            groups.append({"head": f"page {g.page + 1} · line {g.line + 1}", "cards": []})
        groups[-1]["cards"].append(card_view(ex, g, pictures[g.id]))
    return groups


FACE_LINE_MAX_PX = 1100  # width of a face's scanned sample line in the report


def write_face_views(ex: Extraction, rdir: str) -> List[dict]:
    """The faces side by side (several faces only): for each, its name, glyphs, sizes, lines, the scan of its
    longest line (report/faces/face-N.png) and its own compiled font setting its characters."""
    if len(ex.faces) < 2:
        return []
    from .export import build_ufo, face_ufo_names

    os.makedirs(os.path.join(rdir, "faces"), exist_ok=True)
    ufo_names = face_ufo_names(ex)
    out = []
    for k, face in enumerate(ex.faces):
        view = ex.face_view(k)
        lines: Dict[Tuple[int, int], List[Glyph]] = {}
        for g in view.glyphs:
            lines.setdefault((g.page, g.line), []).append(g)
        if not lines:
            continue
        key, members = max(lines.items(), key=lambda kv: len(kv[1]))
        page = ex.pages[key[0]]
        x0, y0 = min(g.bbox[0] for g in members), min(g.bbox[1] for g in members)
        x1, y1 = max(g.bbox[2] for g in members), max(g.bbox[3] for g in members)
        pad = max(4, (y1 - y0) // 6)
        crop = page.image[max(0, y0 - pad):y1 + pad, max(0, x0 - pad):x1 + pad]
        scale = min(1.0, FACE_LINE_MAX_PX / max(1, crop.shape[1]))
        if scale < 1.0:
            crop = cv2.resize(crop, (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale))),
                              interpolation=cv2.INTER_AREA)
        name = f"faces/face-{k + 1}.png"
        _write_png(os.path.join(rdir, name), np.ascontiguousarray(crop))
        font = build_ufo(view)
        path, fmt, _ = compile_font(font, os.path.join(rdir, "faces", f"face-{k + 1}"))
        chars = {chr(u) for glyph in font for u in glyph.unicodes}
        char_lines, _, _ = sample_lines(view, chars)
        out.append({"number": k + 1, "family": view.family, "style": view.style, "ufo": ufo_names[k],
                    "glyphs": len(view.glyphs), "sizes": ", ".join(f"{v:g}" for v in face.sizes_pt),
                    "lines": ", ".join(f"p{p + 1}·l{ln + 1}" for p, ln in sorted(lines)),
                    "scan": f"{REPORT_DIR}/{name}", "scan_w": int(crop.shape[1]), "scan_h": int(crop.shape[0]),
                    "css_family": f"{FONT_FAMILY_CSS} {k + 1}",
                    "face": {"src": f"{REPORT_DIR}/faces/{os.path.basename(path)}", "format": fmt} if path else None,
                    "sample": " ".join(char_lines[:2]) if path else ""})
    return out


def report_view(ex: Extraction, font, fonts: dict, pages: Dict[int, PagePicture],
                glyphs: Dict[str, GlyphPictures], faces: Sequence[dict] = ()) -> dict:
    """Everything report.html.j2 shows. `fonts` is `font_view`'s dict; `pages` and `glyphs` are what
    `write_page_images` and `write_glyph_images` wrote. The footer's `report_s` is left to the caller."""
    outside = [g for g in ex.glyphs if g.name is None]
    return {
        "family": ex.family, "style": ex.style, "family_css": FONT_FAMILY_CSS, "ufo_name": _ufo_name(ex),
        "sources": ", ".join(sorted({p.source for p in ex.pages})), "n_pages": len(ex.pages),
        "font": fonts, "stats": report_stats(ex, font, fonts["compile_s"]), "notes": list(ex.notes),
        "unsure": UNSURE, "low_confidence": LOW_CONFIDENCE,
        "pages": [page_view(ex, p, pages[p.index]) for p in ex.pages],
        "font_cards": card_groups(ex, [g for g in ex.glyphs if g.name is not None], glyphs),
        "outside_cards": card_groups(ex, outside, glyphs), "n_outside": len(outside),
        "faces": list(faces), "elements": _element_counts(ex)}


def _element_counts(ex: Extraction) -> str:
    """'2 rules, 1 ornament' — what was kept out of the fonts as no type."""
    counts: Dict[str, int] = {}
    for e in ex.elements:
        counts[e.kind] = counts.get(e.kind, 0) + 1
    return ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in sorted(counts.items()))


# ----------------------------------------------------------------------------------------------------------
# the page


@functools.lru_cache(maxsize=None)
def _env() -> Environment:
    return Environment(loader=PackageLoader("glyphseg", "report_templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_report(view: dict) -> str:
    """report.html from `report_view`'s dict (plus `report_s`), autoescaped by Jinja2."""
    return _env().get_template("report.html.j2").render(view)


def start_font_compile(ex: Extraction, font, outdir: str, jobs: int = 1):
    """`compile_font` of the main face's `font` into `outdir`/report/, in a second process when `jobs` > 1
    (`workers.in_background`: use it as a context manager; `.result()` is compile_font's)."""
    rdir = os.path.join(outdir, REPORT_DIR)
    os.makedirs(rdir, exist_ok=True)
    stem = _safe(f"{ex.family}-{ex.style}".replace(" ", "")) or "font"
    return in_background(compile_font, font, os.path.join(rdir, stem), jobs=jobs)


def write_report(ex: Extraction, outdir: str, font=None, jobs: int = 1, compiled=None) -> str:
    """Write report.html and the folder report/ into `outdir`; returns the path of report.html.

    `font` is the ufoLib2 font export built (built here from `ex` when not given). With `jobs` > 1 the font
    compiles in a second process while the pictures are written (ufo2ft's import and compile are a third of
    the report's time); `compiled`: that compile (`start_font_compile`), when the caller started it earlier."""
    t_start = time.perf_counter()
    rdir = os.path.join(outdir, REPORT_DIR)
    for sub in ("pages", "scan", "mask"):
        os.makedirs(os.path.join(rdir, sub), exist_ok=True)
    if font is None:
        from .export import build_ufo

        font = build_ufo(ex)
    with (contextlib.nullcontext(compiled) if compiled is not None
          else start_font_compile(ex, font, outdir, jobs)) as compiled:
        pictures = write_page_images(ex, rdir), write_glyph_images(ex, rdir), write_face_views(ex, rdir)
        fonts = font_view(ex, font, *compiled.result())
    view = report_view(ex, font, fonts, *pictures)
    view["report_s"] = None if reproducible() else time.perf_counter() - t_start
    path = os.path.join(outdir, "report.html")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(render_report(view))
    return path


def _ufo_name(ex: Extraction) -> str:
    from .export import ufo_filename

    return ufo_filename(ex.family, ex.style)
