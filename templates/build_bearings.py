"""Build glyphseg/data/bearings.json: each character's side bearings in em, the median over the template source
fonts (the proportional ones: a monospaced font's bearings say how wide its cell is, not how its letters
are spaced), and the width of the space.

The spacing stage (glyphseg/spacing.py) pulls each character's bearings weakly towards these, scaled to
the specimen, where the page's gaps leave them open (a letter seen at a line's end, or only once).
Rebuild with: python templates/build_bearings.py (the fonts of templates/build_char_zones.py).
"""
import json
import os
import sys

import numpy as np
from fontTools.ttLib import TTFont

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from build_char_zones import SOURCES, char_ink_bounds  # noqa: E402 - the same source fonts and bounds
from build_templates import CHARS  # noqa: E402 - the same characters


def font_bearings(path: str, chars) -> tuple:
    """({char: (LSB, RSB)} in em, the space's width in em or None) of one font."""
    font = TTFont(path)
    upem, cmap, gs = font["head"].unitsPerEm, font.getBestCmap(), font.getGlyphSet()
    out = {c: (bounds[0] / upem, (advance - bounds[2]) / upem)
           for c, (bounds, advance) in char_ink_bounds(font, chars).items()}
    return out, (gs[cmap[0x20]].width / upem if 0x20 in cmap else None)


def main(out="glyphseg/data/bearings.json"):
    per_char = {c: [] for c in CHARS}
    spaces, used = [], []
    for path, licence in SOURCES:
        if not os.path.exists(path) or "Mono" in path or "Courier" in path:
            continue
        used.append({"font": os.path.basename(path), "licence": licence})
        bearings, space = font_bearings(path, CHARS)
        if space is not None:
            spaces.append(space)
        for c, lr in bearings.items():
            per_char[c].append(lr)
    bearings = {c: [round(float(np.median([r[0] for r in rows])), 4), round(float(np.median([r[1] for r in rows])), 4)]
                for c, rows in per_char.items() if rows}
    with open(out, "w") as fh:
        json.dump({"units": "em", "sources": used, "space": round(float(np.median(spaces)), 4),
                   "bearings": bearings}, fh, indent=0, ensure_ascii=False)
    print(f"wrote {len(bearings)} characters from {len(used)} fonts to {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
