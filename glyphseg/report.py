"""Report: OUTDIR/report.html and its folder OUTDIR/report/ — what a typographer checks by eye.

Opens from disk, no server, no network: every picture and the font are files beside the page.

- First, the font: the extracted glyphs compiled with ufo2ft (WOFF2 when brotli is installed, else OTF) and
  set as text through the page's @font-face, next to a summary (counts, metrics, timings, notes).
- Page overviews: the scan with every glyph's box, label and confidence colour, and the baselines, drawn
  as SVG over the page picture in page pixels (click a box to jump to its card).
- A card per glyph: the scan crop of the glyph's em box (the same crop the UFO carries as background
  image), the segmenter's mask tinted over it, and the traced outline with its on-curve points (filled),
  off-curve points (hollow) and handles, plus baseline, x-height, cap height, ascender, descender and side
  bearings — all mapped onto the scan through the manifest's transform, so what you see is what the UFO
  holds. Warnings: low confidence, label unsure, topology mismatch, touching neighbour split, no outline.

Writing ~100 cards takes a fraction of a second: a PNG crop and a PNG mask per glyph, the vector overlay
inline.
"""
from __future__ import annotations

import html
import math
import os
import re
import time
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from fontTools.misc.transform import Transform
from fontTools.pens.recordingPen import RecordingPointPen
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen

from .export import IMAGE_MARGIN_EM, scan_crop_box
from .types import Extraction, Glyph

REPORT_DIR = "report"
FONT_FAMILY_CSS = "glyphseg extracted"  # the @font-face family: never a system font's name
CARD_EM_PX = 150  # css px for the em box (descender…ascender plus margins) of every card: one scale for all
CARD_MAX_W = 230  # css px; wider glyphs are shown smaller
CARD_MIN_W = 112  # css px
PAGE_MAX_PX = 2400  # page pictures are downscaled to this longer side (the overlay stays in page pixels)
LOW_CONFIDENCE = 0.3
UNSURE = 0.6
SAMPLE_TEXTS = [
    "The quick brown fox jumps over the lazy dog",
    "Pack my box with five dozen liquor jugs",
    "Sphinx of black quartz, judge my vow",
    "Hamburgefonstiv",
    "HAMBURGEFONSTIV",
]
EDITABLE = ' contenteditable="true" spellcheck="false" title="type here to try the font"'
SPACING_TEXTS = ["nnonnooonoo", "HHOHHOOOHOO", "00100200300"]


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


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def _fmt(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _esc(s) -> str:
    return html.escape(str(s), quote=True)


# ----------------------------------------------------------------------------------------------------------
# pictures


def _write_png(path: str, img: np.ndarray) -> None:
    ok, buf = cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, 3])
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


def units_to_crop(g: Glyph, box) -> Transform:
    """Font units of glyph `g` → pixel coordinates of the page crop `box` (x right, y down): the manifest's
    mapping (`Glyph.units_to_page`) shifted to the crop."""
    a = math.radians(g.angle)
    c, s, k = math.cos(a), math.sin(a), g.units_per_px
    return Transform(c / k, -s / k, -s / k, -c / k, g.origin[0] - box[0], g.origin[1] - box[1])


def _n(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".") if v % 1 else str(int(v))


def _circle(x: float, y: float, r: float) -> str:
    """A circle as path data (many circles make one path: one DOM node per card instead of hundreds)."""
    return f"M{_n(x - r)} {_n(y)}a{_n(r)} {_n(r)} 0 1 0 {_n(2 * r)} 0a{_n(r)} {_n(r)} 0 1 0 {_n(-2 * r)} 0"


def outline_svg(ex: Extraction, g: Glyph, box, r: float) -> str:
    """SVG elements (in crop pixels) for the glyph: metric lines, outline, handles, points."""
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
        return "".join(parts)
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
    return "".join(parts)


def page_overview_svg(ex: Extraction, page_index: int) -> str:
    """Boxes, labels and baselines for one page, in page pixels."""
    page = ex.pages[page_index]
    glyphs = [g for g in ex.glyphs if g.page == page_index]
    heights = [g.height for g in glyphs if g.char] or [g.height for g in glyphs] or [20]
    fs = max(6.0, 0.42 * float(np.median(heights)))
    by_id = {g.id: g for g in glyphs}
    parts = []
    for line in ex.lines:
        if line.page != page_index:
            continue
        members = [by_id[i] for i in line.glyph_ids if i in by_id]
        if not members:
            continue
        xa, xb = min(g.bbox[0] for g in members), max(g.bbox[2] for g in members)
        parts.append(f'<path class="baseline" d="M{_n(xa)} {_n(line.baseline_y(xa))}L{_n(xb)} '
                     f'{_n(line.baseline_y(xb))}"/>')
    for g in glyphs:
        x0, y0, x1, y1 = g.bbox
        cls = confidence_class(g)
        label = g.char if g.char else ""
        tip = f"{g.char or '—'} · {g.name or 'not in the font'} · score {g.score:.2f} · {g.id}"
        text = (f'<text x="{_n(x0)}" y="{_n(y0 - 0.25 * fs)}" font-size="{_n(fs)}">{_esc(label)}</text>'
                if label else "")
        parts.append(f'<a href="#g-{_esc(g.id)}" class="{cls}"><title>{_esc(tip)}</title>'
                     f'<rect x="{x0 - 0.5}" y="{y0 - 0.5}" width="{x1 - x0 + 1}" height="{y1 - y0 + 1}"/>{text}</a>')
    return (f'<svg viewBox="0 0 {page.width} {page.height}" preserveAspectRatio="none" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>')


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


# ----------------------------------------------------------------------------------------------------------
# the page


CSS = """
:root { --sure: #2e8540; --unsure: #d18700; --low: #d0312d; --none: #8c8c8c; --ink: #1d1d1f; --muted: #6b6b70;
        --rule: #e2e0da; --paper: #fbfaf7; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: var(--ink);
       background: var(--paper); }
main { max-width: 1400px; margin: 0 auto; padding: 24px 32px 64px; }
h1 { font-size: 26px; margin: 0; font-weight: 650; letter-spacing: -0.01em; }
h2 { font-size: 18px; margin: 40px 0 8px; font-weight: 650; }
.sub { color: var(--muted); margin: 2px 0 18px; }
code { font: 12px/1.3 ui-monospace, "DejaVu Sans Mono", monospace; }
.specimen { background: #fff; border: 1px solid var(--rule); border-radius: 10px; padding: 18px 24px 14px; }
.sample { font-family: "glyphseg extracted"; font-synthesis: none; font-kerning: none;
          line-height: 1.25; color: #000; white-space: pre-wrap; overflow-wrap: anywhere; }
.sample.chars { font-size: 44px; line-height: 1.2; }
.sample.sentence { font-size: 28px; margin-top: 8px; }
.sample.spacing { font-size: 22px; margin-top: 6px; color: #333; word-spacing: 0.6em; }
.waterfall { display: flex; flex-wrap: wrap; gap: 6px 28px; align-items: baseline; margin-top: 10px; }
.waterfall .sample { color: #222; }
.waterfall small { font: 11px system-ui, sans-serif; color: var(--muted); margin-right: 6px; }
.sample[contenteditable] { border-radius: 4px; }
.sample[contenteditable]:hover, .sample[contenteditable]:focus { outline: 1px dashed #b9b6ad; }
.fontnote { color: var(--muted); font-size: 12px; margin: 12px 0 0; }
.fontnote .bad, .bad { color: var(--low); font-weight: 600; }
.fontnote .ok { color: var(--sure); }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 14px; margin-top: 16px; }
.summary section { background: #fff; border: 1px solid var(--rule); border-radius: 10px; padding: 12px 16px; }
.summary h3, h3 { font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted);
                  margin: 0 0 6px; }
.summary table { border-collapse: collapse; width: 100%; }
.summary td { padding: 2px 0; vertical-align: top; }
.summary td.v { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; white-space: nowrap; }
.big { font-size: 30px; font-weight: 700; line-height: 1.1; }
.notes { margin: 14px 0 0; padding-left: 18px; color: #8a4b00; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; color: var(--muted); font-size: 12px; margin: 4px 0 10px; }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; border-radius: 2px;
                       margin-right: 5px; vertical-align: -1px; background: currentColor; }
.legend .sure { color: var(--sure); } .legend .unsure { color: var(--unsure); } .legend .low { color: var(--low); }
.legend .none { color: var(--none); }
figure.page { margin: 0 0 20px; }
.pagewrap { position: relative; background: #fff; border: 1px solid var(--rule); }
.pagewrap img { display: block; width: 100%; height: auto; }
.pagewrap svg { position: absolute; inset: 0; width: 100%; height: 100%; }
.pagewrap rect { fill: transparent; stroke: currentColor; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
.pagewrap a:hover rect { fill: rgba(0, 90, 255, 0.12); }
.pagewrap text { fill: currentColor; font-family: system-ui, sans-serif; font-weight: 600; }
.pagewrap .baseline { stroke: #3a7bd5; stroke-width: 1; stroke-dasharray: 4 3; vector-effect: non-scaling-stroke;
                      opacity: 0.7; fill: none; }
.pagewrap .sure { color: var(--sure); } .pagewrap .unsure { color: var(--unsure); }
.pagewrap .low { color: var(--low); } .pagewrap .none { color: var(--none); }
.pagewrap .none rect { stroke-dasharray: 3 2; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
.controls { position: sticky; top: 0; z-index: 2; background: var(--paper); padding: 8px 0; display: flex;
            flex-wrap: wrap; gap: 16px; border-bottom: 1px solid var(--rule); margin-bottom: 12px; font-size: 13px; }
.controls label { cursor: pointer; user-select: none; }
.grid { display: flex; flex-wrap: wrap; gap: 10px; align-items: stretch; }
.linehead { flex-basis: 100%; color: var(--muted); font-size: 12px; margin: 10px 0 -2px; }
.card { background: #fff; border: 1px solid var(--rule); border-top: 4px solid var(--none); border-radius: 6px;
        padding: 6px; display: flex; flex-direction: column; gap: 3px; }
.card.sure { border-top-color: var(--sure); } .card.unsure { border-top-color: var(--unsure); }
.card.low { border-top-color: var(--low); }
.card:target { outline: 3px solid #3a7bd5; }
.view { position: relative; margin: 0 auto; background: #fff; }
.view img { position: absolute; inset: 0; width: 100%; height: 100%; }
.view img.scan { opacity: 0.7; }
.view img.mask { image-rendering: pixelated; }
.view svg { position: absolute; inset: 0; width: 100%; height: 100%; overflow: visible; }
.view .m { stroke: #3a7bd5; stroke-width: 0.75; vector-effect: non-scaling-stroke; fill: none; opacity: 0.55; }
.view .m.base { stroke-width: 1.25; opacity: 0.8; }
.view .m.sb { stroke: #999; stroke-dasharray: 3 2; }
.view .outline { fill: rgba(220, 30, 60, 0.06); stroke: #dc1e3c; stroke-width: 1.25;
                 vector-effect: non-scaling-stroke; }
.view .handles { stroke: #7a4bd6; stroke-width: 0.75; vector-effect: non-scaling-stroke; fill: none; }
.view .off { fill: #fff; stroke: #7a4bd6; stroke-width: 1; vector-effect: non-scaling-stroke; }
.view .on { fill: #dc1e3c; stroke: #fff; stroke-width: 0.5; vector-effect: non-scaling-stroke; }
.meta { display: flex; align-items: baseline; gap: 6px; }
.meta .ch { font-size: 20px; font-weight: 600; min-width: 1em; }
.meta code { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
.meta .score { margin-left: auto; font-variant-numeric: tabular-nums; font-weight: 600; }
.card.sure .score { color: var(--sure); } .card.unsure .score { color: var(--unsure); }
.card.low .score { color: var(--low); } .card.none .score { color: var(--none); }
.info { color: var(--muted); font-size: 11px; }
.warn { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 3px; }
.warn li { font-size: 11px; background: #fdecea; color: #a61b17; border-radius: 3px; padding: 0 5px; }
.warn li.unlabelled, .warn li.notfont { background: #eee; color: #555; }
body.hide-scan .view img.scan, body.hide-mask .view img.mask, body.hide-outline .view .outline,
body.hide-points .view .points, body.hide-metrics .view .metrics { display: none; }
body.only-warn .card:not(.warned) { display: none; }
footer { color: var(--muted); font-size: 12px; margin-top: 40px; }
"""

SCRIPT = """
(function () {
  'use strict';
  var boxes = document.querySelectorAll('.controls input[data-class]');
  Array.prototype.forEach.call(boxes, function (box) {
    var apply = function () {
      var on = box.checked;
      if (box.dataset.invert === '1') { on = !on; }
      document.body.classList.toggle(box.dataset.class, !on);
    };
    box.addEventListener('change', apply);
    apply();
  });
  var status = document.getElementById('font-status');
  if (status && document.fonts) {
    document.fonts.ready.then(function () {
      var state = 'missing';
      document.fonts.forEach(function (f) {
        if (f.family.replace(/["']/g, '') === FAMILY) { state = f.status; }
      });
      status.dataset.state = state;
      if (state === 'loaded') {
        status.textContent = 'font loaded';
        status.className = 'ok';
      } else {
        status.textContent = 'the font did not load (' + state + '): the lines above are not set in it';
        status.className = 'bad';
      }
    });
  }
}());
"""


def _stat_rows(rows: Sequence[Tuple[str, str]]) -> str:
    return "<table>" + "".join(f'<tr><td>{k}</td><td class="v">{v}</td></tr>' for k, v in rows) + "</table>"


def write_report(ex: Extraction, outdir: str, font=None) -> str:
    """Write report.html and the folder report/ into `outdir`; returns the path of report.html.

    `font` is the ufoLib2 font export built (built here from `ex` when not given)."""
    t_start = time.perf_counter()
    rdir = os.path.join(outdir, REPORT_DIR)
    for sub in ("pages", "scan", "mask"):
        os.makedirs(os.path.join(rdir, sub), exist_ok=True)
    if font is None:
        from .export import build_ufo

        font = build_ufo(ex)
    m = ex.metrics

    # --- the font
    stem = _safe(f"{ex.family}-{ex.style}".replace(" ", "")) or "font"
    font_path, font_fmt, compile_s = compile_font(font, os.path.join(rdir, stem))
    chars = {chr(u) for glyph in font for u in glyph.unicodes}
    char_lines, sentences, spacing = sample_lines(ex, chars)
    in_font = [g for g in ex.glyphs if g.name is not None and g.name in font]
    if font_path:
        rel_font = f"{REPORT_DIR}/{os.path.basename(font_path)}"
        font_face = (f'@font-face {{ font-family: "{FONT_FAMILY_CSS}"; src: url("{rel_font}") format("{font_fmt}"); '
                     f'font-display: block; }}')
        samples = "".join(f'<div class="sample chars">{_esc(s)}</div>' for s in char_lines)
        samples += "".join(f'<div class="sample sentence"{EDITABLE if i == 0 else ""}>{_esc(s)}</div>'
                           for i, s in enumerate(sentences[:2]))
        if spacing:
            samples += f'<div class="sample spacing">{_esc(" ".join(spacing))}</div>'
        water = sentences[0] if sentences else (char_lines[0] if char_lines else "")
        if water:
            samples += '<div class="waterfall">' + "".join(
                f'<span><small>{px} px</small><span class="sample" style="font-size:{px}px">{_esc(water)}</span></span>'
                for px in (10, 12, 14, 18)) + "</div>"
        font_note = (f'Set in <code>{_esc(rel_font)}</code>, compiled from <code>{_esc(_ufo_name(ex))}</code> '
                     f'with ufo2ft ({len(in_font)} glyphs, {compile_s:.2f} s); '
                     f'no kerning, advance widths as measured. <span id="font-status">…</span>')
        if not char_lines:  # nothing uses the font: no status to wait for
            samples = ('<p class="sub">No glyph carries a character (no transcript was given: <code>--text</code> '
                       'names and encodes them), so the font cannot be set as text here; the cards below show every '
                       'glyph.</p>')
            font_note = (f'Compiled to <code>{_esc(rel_font)}</code> from <code>{_esc(_ufo_name(ex))}</code> '
                         f'with ufo2ft ({len(in_font)} glyphs, {compile_s:.2f} s).')
    else:
        font_face = ""
        samples = f'<p class="bad">The UFO did not compile: {_esc(font_fmt)}</p>'
        font_note = '<span id="font-status"></span>'

    # --- pages
    pages_html = []
    for p in ex.pages:
        name = f"pages/page-{p.index + 1:03d}.png"
        img = p.image
        scale = min(1.0, PAGE_MAX_PX / max(p.width, p.height))
        if scale < 1.0:
            img = cv2.resize(img, (max(1, round(p.width * scale)), max(1, round(p.height * scale))),
                             interpolation=cv2.INTER_AREA)
        _write_png(os.path.join(rdir, name), img)
        n = sum(1 for g in ex.glyphs if g.page == p.index)
        angles = [ln.angle for ln in ex.lines if ln.page == p.index]
        skew = f", skew {np.median(angles):.2f}°" if angles else ""
        pages_html.append(
            f'<figure class="page"><div class="pagewrap" style="aspect-ratio:{p.width}/{p.height};'
            f'width:min(100%, calc(88vh * {p.width} / {p.height}))">'
            f'<img src="{REPORT_DIR}/{name}" alt="page {p.index + 1}" width="{img.shape[1]}" height="{img.shape[0]}">'
            f'{page_overview_svg(ex, p.index)}</div>'
            f'<figcaption>Page {p.index + 1}: {_esc(p.source)}, source page {p.source_page + 1}, {p.dpi:g} dpi, '
            f'{p.width}×{p.height} px, {n} glyphs{skew}</figcaption></figure>')

    # --- cards: the font's glyphs line by line, then the detections that stay out of the font
    span = (m.ascender - m.descender) + 2 * IMAGE_MARGIN_EM * m.units_per_em
    pages = {p.index: p for p in ex.pages}
    warn_counts: Dict[str, int] = {}
    n_warned = 0

    def card(g: Glyph) -> str:
        nonlocal n_warned
        page = pages[g.page]
        box = scan_crop_box(g, page, m.ascender, m.descender, m.units_per_em)
        x0, y0, x1, y1 = box
        w, h = x1 - x0, y1 - y0
        fid = _safe(g.id)
        _write_png(os.path.join(rdir, "scan", f"{fid}.png"), np.ascontiguousarray(page.image[y0:y1, x0:x1]))
        mask = _mask_crop(ex, g, box)
        mask_img = ""
        if mask is not None:
            _write_png(os.path.join(rdir, "mask", f"{fid}.png"), _mask_rgba(mask))
            mask_img = f'<img class="mask" src="{REPORT_DIR}/mask/{fid}.png" alt="">'
        s = CARD_EM_PX * g.units_per_px / span  # css px per page px: one em the same size on every card
        s = min(s, CARD_MAX_W / w)
        r = 2.0 / s  # point radius in crop px = 2 css px
        warnings = glyph_warnings(ex, g)
        for wn in warnings:
            key = "not in the font" if wn.startswith("matched no") else wn
            warn_counts[key] = warn_counts.get(key, 0) + 1
        serious = [wn for wn in warnings if wn != "unlabelled" and not wn.startswith("matched no")]
        n_warned += bool(serious)
        outline = ex.outlines.get(g.id)
        n_on = outline.on_curve_count() if outline else 0
        n_all = sum(len(c) for c in outline.contours) if outline else 0
        warn_html = "".join(
            f'<li class="{"notfont" if wn.startswith("matched no") else "unlabelled" if wn == "unlabelled" else ""}">'
            f'{_esc("not in the font" if wn.startswith("matched no") else wn)}</li>' for wn in warnings)
        title = f"{g.id}: {g.char or 'no character'} → {g.name or 'not in the font'}"
        return (
            f'<article class="card {confidence_class(g)}{" warned" if serious else ""}" id="g-{_esc(g.id)}" '
            f'title="{_esc(title)}" style="width:{max(CARD_MIN_W, w * s + 14):.0f}px">'
            f'<div class="view" style="width:{w * s:.1f}px;height:{h * s:.1f}px">'
            f'<img class="scan" src="{REPORT_DIR}/scan/{fid}.png" alt="scan of {_esc(g.char or g.id)}">{mask_img}'
            f'<svg viewBox="0 0 {w} {h}" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">'
            f'{outline_svg(ex, g, box, r)}</svg></div>'
            f'<div class="meta"><span class="ch">{_esc(g.char) if g.char else "?"}</span>'
            f'<code>{_esc(g.name or "—")}</code>'
            f'<span class="score">{f"{g.score:.2f}" if g.char else "—"}</span></div>'
            f'<div class="info">{_esc(g.id)} · adv {g.advance} · {n_on} on / {n_all - n_on} off</div>'
            f'<ul class="warn">{warn_html}</ul></article>')

    def grid(glyphs: Sequence[Glyph]) -> str:
        out, last = [], None
        for g in sorted(glyphs, key=lambda g: (g.page, g.line, g.order)):
            if (g.page, g.line) != last:
                last = (g.page, g.line)
                out.append(f'<div class="linehead">page {g.page + 1} · line {g.line + 1}</div>')
            out.append(card(g))
        return f'<div class="grid">{"".join(out)}</div>'

    font_cards = grid([g for g in ex.glyphs if g.name is not None])
    outside = [g for g in ex.glyphs if g.name is None]
    outside_cards = ""
    if outside:
        outside_cards = (f'<h3 id="outside">Detections that matched no character of the text ({len(outside)}): '
                         f'not in the font</h3>{grid(outside)}')

    # --- summary
    labelled = sum(1 for g in ex.glyphs if g.char is not None)
    unmatched = sum(1 for g in ex.glyphs if g.name is None)
    alternates = sum(1 for g in in_font if ex.unicodes.get(g.name) is None)
    count_rows = [("detected glyphs", f'<span class="big">{len(ex.glyphs)}</span>'),
                  ("in the font", f"{len(in_font)}" + (f" ({alternates} alternates)" if alternates else "")),
                  ("labelled", f"{labelled}"),
                  ("matched no character", f"{unmatched}"),
                  ("cards with warnings", f"{n_warned}")]
    count_rows += [(f"&nbsp;&nbsp;{_esc(k)}", str(v)) for k, v in sorted(warn_counts.items())]
    sized = [g for g in ex.glyphs if g.char] or ex.glyphs
    em_px = float(np.median([m.units_per_em / g.units_per_px for g in sized])) if sized else 0.0
    body = float(np.median([m.units_per_em / g.units_per_px / pages[g.page].dpi * 72 for g in sized])) if sized else 0.0
    dpi = float(np.median([pages[g.page].dpi for g in sized])) if sized else 0.0
    metric_rows = [("unitsPerEm", m.units_per_em), ("ascender", m.ascender), ("capHeight", m.cap_height),
                   ("xHeight", m.x_height), ("descender", m.descender),
                   ("body size (estimated)", f"{body:.1f} pt · {em_px:.0f} px/em at {dpi:g} dpi")]
    timing_rows = [(k[:-2], f"{v:.2f} s") for k, v in ex.timings.items()
                   if k.endswith("_s") and isinstance(v, (int, float))]
    timing_rows.append(("font compile (report)", f"{compile_s:.2f} s"))
    timing_rows.append(("segmenter", _esc(ex.timings.get("segmenter", "—"))))
    sources = ", ".join(sorted({p.source for p in ex.pages}))
    notes = "".join(f"<li>{_esc(n)}</li>" for n in ex.notes)
    report_s = time.perf_counter() - t_start

    doc = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>glyphseg report: {_esc(ex.family)} {_esc(ex.style)}</title>
<style>{font_face}{CSS}</style></head>
<body>
<main>
<header><h1>{_esc(ex.family)} {_esc(ex.style)}</h1>
<p class="sub">glyphseg report · {_esc(sources)} · {len(ex.pages)} page(s) · {len(in_font)} glyphs in
<code>{_esc(_ufo_name(ex))}</code> · <a href="glyphs.json">glyphs.json</a></p></header>
<section class="specimen" id="font" aria-label="the extracted font">
{samples}
<p class="fontnote">{font_note}</p>
</section>
<div class="summary" id="summary">
<section><h3>Glyphs</h3>{_stat_rows(count_rows)}</section>
<section><h3>Metrics (font units)</h3>{_stat_rows([(k, _esc(v)) for k, v in metric_rows])}</section>
<section><h3>Timings</h3>{_stat_rows(timing_rows)}</section>
</div>
{f'<ul class="notes">{notes}</ul>' if notes else ""}
<h2 id="pages">Pages</h2>
<div class="legend"><span class="sure">label sure (score ≥ {UNSURE})</span>
<span class="unsure">unsure ({LOW_CONFIDENCE}–{UNSURE})</span>
<span class="low">low confidence (&lt; {LOW_CONFIDENCE})</span>
<span class="none">unlabelled / not in the font</span></div>
{"".join(pages_html)}
<h2 id="glyphs">Glyphs</h2>
<p class="sub">Each card: the scan of the glyph's em box (the UFO's background image), the mask in blue, the
outline from the UFO in red — on-curve points filled, off-curve points hollow on their handles — with
baseline, x-height, cap height, ascender, descender (blue) and the advance (dashed), one scale for all cards.</p>
<div class="controls">
<label><input type="checkbox" data-class="hide-scan" checked> scan</label>
<label><input type="checkbox" data-class="hide-mask" checked> mask</label>
<label><input type="checkbox" data-class="hide-outline" checked> outline</label>
<label><input type="checkbox" data-class="hide-points" checked> points</label>
<label><input type="checkbox" data-class="hide-metrics" checked> metric lines</label>
<label><input type="checkbox" data-class="only-warn" data-invert="1"> only glyphs with warnings ({n_warned})</label>
</div>
{font_cards}
{outside_cards}
<footer>Written by glyphseg in {report_s:.2f} s. Coordinates: the manifest (glyphs.json) maps every font unit
onto the page; the cards and the UFO's background images use the same mapping.</footer>
</main>
<script>var FAMILY = "{FONT_FAMILY_CSS}";{SCRIPT}</script>
</body></html>
"""
    path = os.path.join(outdir, "report.html")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(doc)
    return path


def _ufo_name(ex: Extraction) -> str:
    from .export import ufo_filename

    return ufo_filename(ex.family, ex.style)
