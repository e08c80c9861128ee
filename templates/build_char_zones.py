"""Build glyphseg/data/char_zones.json: where each character's ink sits, in em, averaged over open fonts.

Labelling aligns detected glyphs with a transcript; the zones (top and bottom of the ink relative to the
baseline, width) tell a capital from a descender from a comma before any template matching.
Rebuild with: python templates/build_char_zones.py  (needs Debian fonts-urw-base35, fonts-ebgaramond,
fonts-open-sans, fonts-lato, fonts-courier-prime). These source fonts are deliberately not the fonts the
tests and the benchmark render, so labelling is measured on unseen designs.
"""
import json
import os
import sys

import numpy as np
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from build_templates import CHARS, ink_zone  # noqa: E402 - the same characters and zones as the templates

SOURCES = [  # (path, licence)
    ("/usr/share/fonts/opentype/urw-base35/NimbusRoman-Regular.otf", "AGPL-3.0 with font exception (URW base35)"),
    ("/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf", "AGPL-3.0 with font exception (URW base35)"),
    ("/usr/share/fonts/opentype/urw-base35/C059-Roman.otf", "AGPL-3.0 with font exception (URW base35)"),
    ("/usr/share/fonts/opentype/urw-base35/P052-Roman.otf", "AGPL-3.0 with font exception (URW base35)"),
    ("/usr/share/fonts/opentype/urw-base35/NimbusMonoPS-Regular.otf", "AGPL-3.0 with font exception (URW base35)"),
    ("/usr/share/fonts/opentype/urw-base35/URWBookman-Light.otf", "AGPL-3.0 with font exception (URW base35)"),
    ("/usr/share/fonts/opentype/ebgaramond/EBGaramond12-Regular.otf", "OFL-1.1"),
    ("/usr/share/fonts/truetype/open-sans/OpenSans-Regular.ttf", "Apache-2.0"),
    ("/usr/share/fonts/truetype/lato/Lato-Regular.ttf", "OFL-1.1"),
    ("/usr/share/fonts/opentype/courier-prime/Courier Prime.otf", "OFL-1.1"),
]


# Characters with a zone but no template: the long s and the f- and s-ligatures of historic and fine printing
# (Fraktur's ſ, a ﬁ printed as one piece) give a transcript's alignment their ink zones; recognition without a
# transcript keeps to the templates' characters (an ſ among its candidates would read many f as ſ).
ZONE_ONLY_CHARS = "ſẞﬀﬁﬂﬃﬄﬅﬆ"


def char_ink_bounds(font: TTFont, chars) -> dict:
    """{char: (ink bounds (xMin, yMin, xMax, yMax), advance width)} in font units, for the characters the font
    has and draws ink for (the space has none)."""
    cmap, gs = font.getBestCmap(), font.getGlyphSet()
    out = {}
    for c in chars:
        name = cmap.get(ord(c))
        if name is None:
            continue
        pen = BoundsPen(gs)
        gs[name].draw(pen)
        if pen.bounds is not None:
            out[c] = (pen.bounds, gs[name].width)
    return out


def main(out="glyphseg/data/char_zones.json"):
    per_char = {c: [] for c in CHARS + ZONE_ONLY_CHARS}
    used = []
    for path, licence in SOURCES:
        if not os.path.exists(path):
            print(f"skip (not installed): {path}", file=sys.stderr)
            continue
        font = TTFont(path)
        upem = font["head"].unitsPerEm
        used.append({"font": os.path.basename(path), "licence": licence})
        for c, (bounds, _) in char_ink_bounds(font, per_char).items():
            per_char[c].append(ink_zone(bounds, upem))
    zones = {}
    for c, rows in per_char.items():
        if rows:
            a = np.array(rows)
            zones[c] = {"top": round(float(np.median(a[:, 0])), 4), "bottom": round(float(np.median(a[:, 1])), 4),
                        "width": round(float(np.median(a[:, 2])), 4)}
    with open(out, "w") as fh:
        json.dump({"units": "em", "sources": used, "zones": zones}, fh, indent=0, ensure_ascii=False)
    print(f"wrote {len(zones)} characters from {len(used)} fonts to {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
