"""Export: the output folder — manifest, UFO, SVGs, page masks — written whole or not at all.

Everything is written into a temporary folder beside the destination and renamed into place at the end,
so an interrupted or failed run never leaves a half-written output folder.

Each UFO glyph carries its piece of the scan as a background image (UFO3 `images/` + the glyph's `image`
element), placed through the manifest's mapping so that the scan lies exactly under the outline in a
font editor — rotation of a skewed page included.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from typing import Tuple

import cv2
import numpy as np
import ufoLib2
from ufoLib2.objects import Image as UfoImage
from fontTools.misc.transform import Transform
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from PIL import Image

from .segment import page_mask
from .types import Extraction, Glyph, GlyphsegError, Page

MANIFEST_VERSION = 1
IMAGE_MARGIN_EM = 0.08  # scan shown around the glyph's em box (advance × descender…ascender) in its image


def ufo_filename(family: str, style: str) -> str:
    def clean(s):
        return re.sub(r"[^A-Za-z0-9]+", "", s) or "Untitled"

    return f"{clean(family)}-{clean(style)}.ufo"


def build_ufo(ex: Extraction) -> ufoLib2.Font:
    """A UFO3 font: one glyph per instance (first instance of a character named and encoded, alternates
    unencoded), metrics from the specimen."""
    font = ufoLib2.Font()
    info = font.info
    m = ex.metrics
    info.familyName = ex.family
    info.styleName = ex.style
    info.unitsPerEm = m.units_per_em
    info.ascender = m.ascender
    info.descender = m.descender
    info.xHeight = m.x_height
    info.capHeight = m.cap_height
    info.versionMajor, info.versionMinor = 1, 0
    info.note = "Extracted by glyphseg from: " + ", ".join(sorted({p.source for p in ex.pages}))
    unicodes = ex.unicodes
    order = []
    if "space" not in unicodes:
        space = font.newGlyph("space")
        space.unicodes = [0x20]
        space.width = int(round(0.25 * m.units_per_em))
        order.append("space")
    for g in ex.glyphs:
        if g.name is None:  # matched no character of the transcript
            continue
        outline = ex.outlines.get(g.id)
        glyph = font.newGlyph(g.name)
        u = unicodes.get(g.name)
        glyph.unicodes = [u] if u is not None else []
        glyph.width = max(0, g.advance)
        if outline is not None:
            outline.drawPoints(glyph.getPointPen())
        glyph.lib["com.glyphseg.instance"] = g.id
        order.append(g.name)
    font.glyphOrder = order
    return font


def scan_crop_box(g: Glyph, page: Page, ascender: int, descender: int, upm: int = 1000,
                  margin_em: float = IMAGE_MARGIN_EM) -> Tuple[int, int, int, int]:
    """The page pixels (x0, y0, x1, y1; end exclusive) that show glyph `g` in its font-unit frame: the em box
    from 0 to the advance and from the descender to the ascender, with a margin, joined with the ink box and
    clipped to the page."""
    m = margin_em * upm
    xs = np.array([-m, max(g.advance, 1) + m])
    ys = np.array([descender - m, ascender + m])
    xu, yu = np.meshgrid(xs, ys)
    px, py = g.units_to_page(xu.ravel(), yu.ravel())
    x0 = min(int(np.floor(px.min())), g.bbox[0])
    y0 = min(int(np.floor(py.min())), g.bbox[1])
    x1 = max(int(np.ceil(px.max())), g.bbox[2])
    y1 = max(int(np.ceil(py.max())), g.bbox[3])
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(page.width, x1), min(page.height, y1)
    return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)


def image_transformation(g: Glyph, crop_box: Tuple[int, int, int, int]) -> Transform:
    """The UFO image transformation that puts a crop of the page under glyph `g`'s outline.

    A UFO image lies in the glyph's coordinates with its bottom-left corner at the origin, one unit per
    pixel, y up (font editors draw it so: defcon/RoboFont, fontParts); the transformation then maps those
    image units to font units. Page pixel (px, py) of a crop (x0, y0)–(x1, y1) is image point
    (u, v) = (px − x0, (y1 − y0) − (py − y0)), and `Glyph.page_to_units` is affine, so the composition is
    one affine map: scale `units_per_px`, rotation by the page's skew `angle`, and an offset.
    """
    x0, y0, x1, y1 = crop_box
    h = y1 - y0
    k = g.units_per_px
    a = math.radians(g.angle)
    c, s = math.cos(a), math.sin(a)
    # the page point of image point (0, 0): the crop's bottom-left corner
    bx, by = g.page_to_units(np.array([float(x0)]), np.array([float(y0 + h)]))
    # image u → page +x, image v → page −y; page_to_units: xu = k(c·dx + s·dy), yu = k(−s·dx + c·dy)
    # rounded for a readable .glif: far below a thousandth of a font unit over the whole image
    return Transform(round(k * c, 8), round(-k * s, 8), round(k * s, 8), round(k * c, 8), round(float(bx[0]), 4),
                     round(float(by[0]), 4))


def add_background_images(font: ufoLib2.Font, ex: Extraction) -> None:
    """Give every glyph of `font` that came from a scanned instance its scan crop as background image.

    The crops go into the UFO's `images/` folder as PNG (what UFO3 requires), named after the instance id
    (unique, file-system safe); the glyph's image transformation aligns the crop with the outline.
    """
    pages = {p.index: p for p in ex.pages}
    m = ex.metrics
    for g in ex.glyphs:
        if g.name is None or g.name not in font:
            continue
        page = pages[g.page]
        box = scan_crop_box(g, page, m.ascender, m.descender, m.units_per_em)
        x0, y0, x1, y1 = box
        ok, png = cv2.imencode(".png", np.ascontiguousarray(page.image[y0:y1, x0:x1]))
        if not ok:  # pragma: no cover - cv2 encodes any uint8 array
            continue
        file_name = f"{g.id}.png"
        font.images[file_name] = png.tobytes()
        glyph = font[g.name]
        glyph.image = UfoImage(fileName=file_name, transformation=image_transformation(g, box))
        glyph.lib["com.glyphseg.image"] = {"page": g.page, "box": [int(v) for v in box]}


def glyph_svg(outline, advance: int, ascender: int, descender: int) -> str:
    """One glyph as a standalone SVG: font units, y flipped so the ascender is at the top."""
    pen = SVGPathPen(None)
    outline.draw(TransformPen(pen, (1, 0, 0, -1, 0, ascender)))
    height = ascender - descender
    width = max(advance, 1)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width / 10:g}" height="{height / 10:g}">\n'
            f'  <path fill="black" fill-rule="nonzero" d="{pen.getCommands()}"/>\n</svg>\n')


def manifest(ex: Extraction, ufo_name: str) -> dict:
    m = ex.metrics
    return {
        "version": MANIFEST_VERSION,
        "pages": [{"index": p.index, "width": p.width, "height": p.height, "dpi": p.dpi, "source": p.source,
                   "source_page": p.source_page} for p in ex.pages],
        "font": {"familyName": ex.family, "styleName": ex.style, "unitsPerEm": m.units_per_em,
                 "ascender": m.ascender, "descender": m.descender, "xHeight": m.x_height,
                 "capHeight": m.cap_height},
        "ufo": ufo_name,
        "segmenter": ex.timings.get("segmenter"),
        "glyphs": [{"id": g.id, "page": g.page, "line": g.line, "bbox": list(g.bbox), "char": g.char,
                    "name": g.name, "score": round(float(g.score), 4),
                    "origin": [round(g.origin[0], 3), round(g.origin[1], 3)],
                    "units_per_px": round(g.units_per_px, 6), "angle": round(g.angle, 4), "advance": g.advance,
                    "refined": g.refined, "topology_ok": g.topology_ok}
                   for g in ex.glyphs],
        "timings": {k: v for k, v in ex.timings.items() if isinstance(v, (int, float))},
        "notes": ex.notes,
    }


@contextmanager
def atomic_output_dir(outdir: str, force: bool = False):
    """Yield a temporary folder; on success it replaces `outdir`, on failure it is removed."""
    outdir = os.path.abspath(outdir)
    if os.path.exists(outdir) and not force:
        raise GlyphsegError(f"{outdir}: already exists (use --force to replace it)")
    if os.path.exists(outdir) and not os.path.isdir(outdir):
        raise GlyphsegError(f"{outdir}: exists and is not a folder")
    parent = os.path.dirname(outdir)
    try:
        os.makedirs(parent, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=".glyphseg-", dir=parent)
    except OSError as e:
        raise GlyphsegError(f"{outdir}: cannot write there ({e.strerror})") from None
    try:
        yield tmp
        if os.path.exists(outdir):
            trash = tempfile.mkdtemp(prefix=".glyphseg-old-", dir=parent)
            os.rename(outdir, os.path.join(trash, "old"))
            os.rename(tmp, outdir)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.rename(tmp, outdir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_extraction(ex: Extraction, outdir: str, force: bool = False, extra_writers=()) -> str:
    """Write the whole output contract into `outdir` (see README: Output)."""
    ufo_name = ufo_filename(ex.family, ex.style)
    with atomic_output_dir(outdir, force) as tmp:
        font = build_ufo(ex)
        add_background_images(font, ex)
        font.save(os.path.join(tmp, ufo_name), overwrite=True)
        os.makedirs(os.path.join(tmp, "svg"))
        for g in ex.glyphs:
            outline = ex.outlines.get(g.id)
            if outline is None or g.name is None:
                continue
            with open(os.path.join(tmp, "svg", f"{g.name}.svg"), "w", encoding="utf-8") as fh:
                fh.write(glyph_svg(outline, g.advance, ex.metrics.ascender, ex.metrics.descender))
        os.makedirs(os.path.join(tmp, "masks"))
        for p in ex.pages:
            masks = [ex.masks[g.id] for g in ex.glyphs if g.page == p.index and g.id in ex.masks]
            Image.fromarray(page_mask((p.height, p.width), masks)).save(
                os.path.join(tmp, "masks", f"page-{p.index + 1:03d}.png"))
        for writer in extra_writers:
            writer(ex, tmp, font)
        with open(os.path.join(tmp, "glyphs.json"), "w", encoding="utf-8") as fh:
            json.dump(manifest(ex, ufo_name), fh, indent=1, ensure_ascii=False)
    return os.path.abspath(outdir)
