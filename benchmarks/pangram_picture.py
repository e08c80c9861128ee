"""A picture to judge spacing by eye: a pangram set in fonts extracted from a specimen, beside the source font.

The specimen is the own_spacing benchmark's sample words in a suite font (mild print; tracking 0, or
`--tracking` em letterspaced), extracted with `--text`; the extracted UFO is compiled with ufo2ft, spaced
three ways: half of each gap (`--no-spacing`), bearings solved over all gaps with the tracking kept as printed
(`--tracking 0`), the same with the tracking estimated and taken out (the default), beside the source font
itself. Lines are set with FreeType (PIL), without kerning, at one size.

    python -m benchmarks.pangram_picture [--font liberation-serif] [--tracking 0.1] [-o benchmarks/pangram.png]
"""
from __future__ import annotations

import io

import click
import ufo2ft
from PIL import Image, ImageDraw, ImageFont

from glyphseg.export import build_ufo
from glyphseg.pipeline import ExtractOptions, extract
from glyphseg.specimen import degrade, render_specimen
from glyphseg.types import Page

from . import fonts as fonts_mod
from .own_spacing import WORDS

PANGRAM = "Quality Typography: affiliate office waffle"  # letters the sample words show
SIZE_PX = 64


def compiled(ex) -> io.BytesIO:
    otf = ufo2ft.compileOTF(build_ufo(ex), useProductionNames=False)
    buf = io.BytesIO()
    otf.save(buf)
    buf.seek(0)
    return buf


@click.command()
@click.option("--font", "font_id", default="liberation-serif", show_default=True)
@click.option("--tracking", type=float, default=0.0, show_default=True, help="The specimen's tracking, em.")
@click.option("-o", "--out", default="benchmarks/pangram.png", show_default=True)
def main(font_id, tracking, out):
    font = next(f for f in fonts_mod.text_fonts() if f.id == font_id)
    spec = degrade(render_specimen(font.path, lines=WORDS, dpi=600, size_pt=14, tracking_em=tracking), "mild", seed=5)
    page = Page(0, font.id, 600, spec.image)
    rows = [("source font: " + font.family, ImageFont.truetype(font.path, SIZE_PX))]
    ways = (("extracted, bearings solved over all gaps, tracking estimated and taken out", True, None),
            ("extracted, bearings solved over all gaps, tracking kept (--tracking 0)", True, 0.0),
            ("extracted, half of each gap (--no-spacing)", False, None))
    for label, spacing, kept in ways:
        ex = extract([], ExtractOptions(text=spec.text, segmenter="threshold", spacing=spacing, tracking=kept,
                                        family="Extracted"), pages=[page])
        if spacing and kept is None:
            label += f" ({ex.tracking:+.3f} em; printed {tracking:+.3f})"
        rows.append((label, ImageFont.truetype(compiled(ex), SIZE_PX)))
    width = max(int(f.getlength(PANGRAM)) for _, f in rows) + 40
    image = Image.new("L", (width, len(rows) * (SIZE_PX * 2 + 10) + 10), 255)
    draw = ImageDraw.Draw(image)
    small = ImageFont.truetype(fonts_mod.text_fonts("dejavu-sans")[0].path, 20)
    y = 10
    for label, f in rows:
        draw.text((20, y), label, font=small, fill=110)
        draw.text((20, y + 28), PANGRAM, font=f, fill=0)
        y += SIZE_PX * 2 + 10
    image.save(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
