"""Build glyphseg/data/templates.npz: glyph templates rendered from open reference fonts.

Each template is a character's ink, stretched to fill a 32 × 32 box (glyphseg.templates.normalise_raster),
as 8-bit coverage; beside it the character's ink zone (top and bottom above the baseline, width, in em)
and its topology (ink components, holes) at a 160 px em.
Several styles per character (serif, sans, slab-ish, mono, italic). Recognition compares a detected
glyph, normalised the same way, against every template of every character.

Rebuild with: python templates/build_templates.py  (needs Debian fonts-urw-base35, fonts-ebgaramond,
fonts-open-sans, fonts-lato, fonts-courier-prime, and three blackletter faces that Debian does not package, from
the npm registry's Fontsource packages, unpacked into templates/fontsource/ (git ignores it):
    for p in unifrakturmaguntia unifrakturcook grenze-gotisch; do
        npm pack @fontsource/$p && mkdir -p templates/fontsource/$p &&
        tar xzf fontsource-$p-*.tgz -C templates/fontsource/$p
    done
The sources are deliberately not the fonts that tests and benchmarks render (DejaVu, Liberation, Roboto Slab, Old
Standard; the blackletter and gotico-antiqua types of the hard group and the held-out sets), so recognition is
measured on unseen designs. Licences: templates/SOURCES.md.
"""
import os
import sys

import numpy as np
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from glyphseg.raster import glyph_coverage, upright_frame  # noqa: E402
from glyphseg.templates import normalise_raster, topology  # noqa: E402

URW = "/usr/share/fonts/opentype/urw-base35/"
FONTSOURCE = os.path.join(HERE, "fontsource")


def fontsource(package: str, file: str) -> str:
    return os.path.join(FONTSOURCE, package, "package", "files", file)


SOURCES = [  # (path, style, licence)
    (URW + "NimbusRoman-Regular.otf", "serif", "AGPL-3.0 with font exception (URW base35)"),
    (URW + "NimbusRoman-Italic.otf", "serif italic", "AGPL-3.0 with font exception (URW base35)"),
    (URW + "C059-Roman.otf", "serif", "AGPL-3.0 with font exception (URW base35)"),
    (URW + "P052-Roman.otf", "serif", "AGPL-3.0 with font exception (URW base35)"),
    (URW + "URWBookman-Light.otf", "serif (slab-like)", "AGPL-3.0 with font exception (URW base35)"),
    (URW + "NimbusSans-Regular.otf", "sans", "AGPL-3.0 with font exception (URW base35)"),
    (URW + "NimbusSans-Italic.otf", "sans italic", "AGPL-3.0 with font exception (URW base35)"),
    (URW + "URWGothic-Book.otf", "geometric sans", "AGPL-3.0 with font exception (URW base35)"),
    (URW + "NimbusMonoPS-Regular.otf", "mono (slab serifs)", "AGPL-3.0 with font exception (URW base35)"),
    ("/usr/share/fonts/opentype/ebgaramond/EBGaramond12-Regular.otf", "old-style serif", "OFL-1.1"),
    ("/usr/share/fonts/opentype/ebgaramond/EBGaramond12-Italic.otf", "old-style italic", "OFL-1.1"),
    ("/usr/share/fonts/truetype/open-sans/OpenSans-Regular.ttf", "humanist sans", "Apache-2.0"),
    ("/usr/share/fonts/truetype/lato/Lato-Regular.ttf", "sans", "OFL-1.1"),
    ("/usr/share/fonts/truetype/lato/Lato-Bold.ttf", "sans bold", "OFL-1.1"),
    ("/usr/share/fonts/opentype/courier-prime/Courier Prime.otf", "mono (slab serifs)", "OFL-1.1"),
    ("/usr/share/fonts/opentype/courier-prime/Courier Prime Sans.otf", "mono sans", "OFL-1.1"),
    # Blackletter: without them a Fraktur or textura page reads as nothing (Krause 1922's sheets: 13 % of glyphs
    # kept a label). Fraktur, textura, and a gothic between them; none of them is rendered by a test or benchmark.
    (fontsource("unifrakturmaguntia", "unifrakturmaguntia-latin-400-normal.woff"), "blackletter (fraktur)", "OFL-1.1"),
    (fontsource("unifrakturcook", "unifrakturcook-latin-700-normal.woff"), "blackletter (textura, bold)", "OFL-1.1"),
    (fontsource("grenze-gotisch", "grenze-gotisch-latin-400-normal.woff"), "blackletter (gothic)", "OFL-1.1"),
]
# Basic Latin printable, Latin-1 letters and common signs.
CHARS = "".join(chr(c) for c in range(0x21, 0x7F)) + "".join(
    chr(c) for c in range(0xA1, 0x100) if chr(c).isprintable() and c != 0xAD)


def ink_zone(bounds, upem):
    """(top, bottom, width) of a glyph's ink box in em, top and bottom above the baseline."""
    x0, y0, x1, y1 = bounds
    return (y1 / upem, y0 / upem, (x1 - x0) / upem)


def render(glyph_set, name, upem):
    """Coverage raster of one glyph at a 160 px em (2 px margin), then normalised."""
    bp = BoundsPen(glyph_set)
    glyph_set[name].draw(bp)
    if bp.bounds is None:
        return None, None, None
    scale = 160.0 / upem  # the glyph's em is 160 px: plenty for a 32 px template
    arr = glyph_coverage(glyph_set[name], *upright_frame(bp.bounds, scale, pad=2), glyph_set)
    zone = ink_zone(bp.bounds, upem)
    return normalise_raster(arr), zone, topology(arr >= 0.5)


def main(out=os.path.join(os.path.dirname(HERE), "glyphseg", "data", "templates.npz")):
    chars, fonts, rasters, zones, topologies = [], [], [], [], []
    used = []
    for path, style, licence in SOURCES:
        if not os.path.exists(path):
            print(f"skip (not installed): {path}", file=sys.stderr)
            continue
        font = TTFont(path)
        gs = font.getGlyphSet()
        cmap = font.getBestCmap()
        upem = font["head"].unitsPerEm
        used.append((os.path.basename(path), style, licence))
        for ch in CHARS:
            name = cmap.get(ord(ch))
            if name is None:
                continue
            r, z, topo = render(gs, name, upem)
            if r is None:
                continue
            topologies.append(topo)
            chars.append(ch)
            fonts.append(len(used) - 1)
            rasters.append(np.round(r * 255).astype(np.uint8))
            zones.append(z)
    np.savez_compressed(out, chars=np.array(chars), font=np.array(fonts, np.int16),
                        rasters=np.stack(rasters), zones=np.array(zones, np.float32),
                        topology=np.array(topologies, np.int16),
                        sources=np.array([f"{a}|{b}|{c}" for a, b, c in used]))
    with open(os.path.join(HERE, "SOURCES.md"), "w", encoding="utf-8") as fh:
        fh.write("# Template source fonts\n\nBuilt by `templates/build_templates.py` into "
                 "`glyphseg/data/templates.npz` (32 × 32 coverage rasters, stretched to the box, plus ink zones).\n\n"
                 "| font file | style | licence |\n|---|---|---|\n")
        for a, b, c in used:
            fh.write(f"| {a} | {b} | {c} |\n")
    print(f"wrote {len(chars)} templates of {len(set(chars))} characters from {len(used)} fonts to {out} "
          f"({os.path.getsize(out) / 1024:.0f} KiB)")


if __name__ == "__main__":
    main(*sys.argv[1:])
