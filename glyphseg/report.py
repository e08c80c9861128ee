"""Report: OUTDIR/report.html and its pictures — what a typographer checks by eye.

Page overviews with every glyph's box, label and confidence colour drawn on the scan; a card per glyph with
the scan crop, the mask overlay and the traced outline (on-curve points filled, off-curve hollow) drawn
over it through the manifest's mapping, so what you see is what the UFO holds.
"""
from __future__ import annotations

import html
import os
from typing import Dict

import cv2
import numpy as np

from .geometry import FlattenPen
from .types import Extraction, Glyph

CARD_PX = 160  # glyph card size


def _confidence_colour(score: float):
    """BGR: red (unsure) → amber → green (sure)."""
    if score >= 0.6:
        return (60, 160, 40)
    if score >= 0.3:
        return (0, 160, 230)
    return (40, 40, 220)


def page_overview(ex: Extraction, page_index: int, max_width: int = 1600) -> np.ndarray:
    page = ex.pages[page_index]
    scale = min(1.0, max_width / page.width)
    img = cv2.cvtColor(page.image, cv2.COLOR_GRAY2BGR)
    img = cv2.resize(img, (max(1, int(page.width * scale)), max(1, int(page.height * scale))),
                     interpolation=cv2.INTER_AREA)
    for g in ex.glyphs:
        if g.page != page_index:
            continue
        x0, y0, x1, y1 = [int(round(v * scale)) for v in g.bbox]
        colour = _confidence_colour(g.score if g.char else 0.0)
        cv2.rectangle(img, (x0 - 1, y0 - 1), (x1, y1), colour, 1)
        label = g.char if g.char else "?"
        if label.isascii() and label.isprintable():
            cv2.putText(img, label, (x0, max(10, y0 - 3)), cv2.FONT_HERSHEY_SIMPLEX, 0.4, colour, 1, cv2.LINE_AA)
    return img


def glyph_card(ex: Extraction, g: Glyph) -> np.ndarray:
    """Scan crop, mask tinted blue, outline in red with its points."""
    page = ex.pages[g.page]
    x0, y0, x1, y1 = g.bbox
    pad = max(4, int(0.15 * max(x1 - x0, y1 - y0)))
    cx0, cy0 = max(0, x0 - pad), max(0, y0 - pad)
    cx1, cy1 = min(page.width, x1 + pad), min(page.height, y1 + pad)
    crop = page.image[cy0:cy1, cx0:cx1]
    zoom = CARD_PX / max(cx1 - cx0, cy1 - cy0)
    size = (max(1, int(round((cx1 - cx0) * zoom))), max(1, int(round((cy1 - cy0) * zoom))))
    img = cv2.cvtColor(cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC), cv2.COLOR_GRAY2BGR).astype(np.float32)
    mask = ex.masks.get(g.id)
    if mask is not None:
        full = np.zeros((cy1 - cy0, cx1 - cx0), np.float32)
        mh, mw = mask.soft.shape
        ox, oy = mask.x0 - cx0, mask.y0 - cy0
        sx0, sy0 = max(0, -ox), max(0, -oy)
        dx0, dy0 = max(0, ox), max(0, oy)
        w = min(mw - sx0, full.shape[1] - dx0)
        h = min(mh - sy0, full.shape[0] - dy0)
        if w > 0 and h > 0:
            full[dy0:dy0 + h, dx0:dx0 + w] = mask.soft[sy0:sy0 + h, sx0:sx0 + w] >= 0.5
        m = cv2.resize(full, size, interpolation=cv2.INTER_NEAREST)[..., None]
        tint = np.array([255, 170, 60], np.float32)
        img = img * (1 - 0.35 * m) + tint * 0.35 * m
    img = np.clip(img, 0, 255).astype(np.uint8)
    outline = ex.outlines.get(g.id)
    if outline is not None:

        def to_card(xu, yu):
            px, py = g.units_to_page(np.asarray(xu, float), np.asarray(yu, float))
            return (px - cx0) * zoom, (py - cy0) * zoom

        pen = FlattenPen()
        outline.draw(pen)
        for contour in pen.contours:
            x, y = to_card(contour[:, 0], contour[:, 1])
            pts = np.round(np.stack([x, y], 1) * 4).astype(np.int32)
            cv2.polylines(img, [pts], True, (30, 30, 230), 1, cv2.LINE_AA, shift=2)
        for contour in outline.contours:
            for xu, yu, seg in contour:
                x, y = to_card(xu, yu)
                p = (int(round(float(x))), int(round(float(y))))
                if seg is None:
                    cv2.circle(img, p, 2, (200, 60, 200), 1, cv2.LINE_AA)
                else:
                    cv2.circle(img, p, 2, (30, 30, 230), -1, cv2.LINE_AA)
    return img


def write_report(ex: Extraction, outdir: str, font=None) -> None:
    """Write report.html and report/*.png into `outdir`."""
    rdir = os.path.join(outdir, "report")
    os.makedirs(rdir, exist_ok=True)
    pages_html = []
    for p in ex.pages:
        name = f"page-{p.index + 1:03d}.png"
        cv2.imwrite(os.path.join(rdir, name), page_overview(ex, p.index))
        pages_html.append(f'<figure><img src="report/{name}" alt="page {p.index + 1}">'
                          f'<figcaption>page {p.index + 1}: {html.escape(p.source)} (source page '
                          f'{p.source_page + 1}, {p.dpi:g} dpi)</figcaption></figure>')
    cards = []
    for g in ex.glyphs:
        name = f"glyph-{g.id}.png"
        cv2.imwrite(os.path.join(rdir, name), glyph_card(ex, g))
        outline = ex.outlines.get(g.id)
        warnings = []
        if g.char is None:
            warnings.append("unlabelled" if g.name else "matched no character of the text; not in the font")
        elif g.score < 0.3:
            warnings.append("label unsure")
        if outline is None or not outline.contours:
            warnings.append("no outline")
        label = html.escape(g.char) if g.char else "—"
        points = outline.on_curve_count() if outline else 0
        cards.append(
            f'<div class="card{" warn" if warnings else ""}"><img src="report/{name}" alt="{html.escape(g.name or g.id)}">'
            f'<div><b>{label}</b> <code>{html.escape(g.name or "—")}</code></div>'
            f'<div>score {g.score:.2f} · {points} pts · adv {g.advance}</div>'
            f'<div class="w">{", ".join(warnings)}</div></div>')
    m = ex.metrics
    timing = ", ".join(f"{k[:-2]} {v:.2f} s" for k, v in ex.timings.items() if k.endswith("_s"))
    labelled = sum(1 for g in ex.glyphs if g.char)
    doc = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>glyphseg report: {html.escape(ex.family)} {html.escape(ex.style)}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }}
figure img {{ max-width: 100%; border: 1px solid #ccc; }}
.grid {{ display: flex; flex-wrap: wrap; gap: 8px; }}
.card {{ border: 1px solid #ddd; padding: 4px; width: {CARD_PX + 8}px; font-size: 12px; }}
.card.warn {{ border-color: #d33; }}
.card img {{ display: block; max-width: {CARD_PX}px; max-height: {CARD_PX}px; }}
.w {{ color: #c22; }}
</style></head><body>
<h1>{html.escape(ex.family)} {html.escape(ex.style)}</h1>
<p>{len(ex.glyphs)} glyphs ({labelled} labelled) on {len(ex.pages)} page(s); segmenter {html.escape(str(ex.timings.get("segmenter")))}.
unitsPerEm {m.units_per_em}, ascender {m.ascender}, descender {m.descender}, xHeight {m.x_height}, capHeight {m.cap_height}.
Timings: {timing}.</p>
{"".join(f"<p class='w'>{html.escape(n)}</p>" for n in ex.notes)}
<h2>Pages</h2>
<p>Boxes: green = label sure, amber = unsure, red = doubtful or unlabelled.</p>
{"".join(pages_html)}
<h2>Glyphs</h2>
<p>Blue: mask. Red: outline from the UFO, on-curve points filled, off-curve points hollow (magenta).</p>
<div class="grid">{"".join(cards)}</div>
</body></html>
"""
    with open(os.path.join(outdir, "report.html"), "w", encoding="utf-8") as fh:
        fh.write(doc)
