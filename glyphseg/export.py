"""Export: the output folder — manifest, UFO, SVGs, page masks — written whole or not at all.

Everything is written into a temporary folder beside the destination and renamed into place at the end,
so an interrupted or failed run never leaves a half-written output folder.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from typing import Dict, Optional

import numpy as np
import ufoLib2
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from PIL import Image

from .segment import page_mask
from .types import Extraction, GlyphsegError

MANIFEST_VERSION = 1


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
                    "units_per_px": round(g.units_per_px, 6), "angle": round(g.angle, 4), "advance": g.advance}
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
