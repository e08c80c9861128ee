"""Build glyphseg/data/bearings.json: each character's side bearings in em, the median over the template source
fonts (the proportional ones: a monospaced font's bearings say how wide its cell is, not how its letters
are spaced), and the width of the space; the same bearings in units of each font's n counter
(`counter_bearings`), and o's and H's counters in n's (`counter_share`), from which the spacing stage tells a
specimen's tracking from its face's own spacing; those two over more faces (RHYTHM_SOURCES, which the
bearings in em do not use: their Debian packages are needed only to rebuild).

The spacing stage (glyphseg/spacing.py) pulls each character's bearings weakly towards these, scaled to
the specimen, where the page's gaps leave them open (a letter seen at a line's end, or only once).
Rebuild with: python templates/build_bearings.py (the fonts of templates/build_char_zones.py).
"""
import json
import os
import sys
from functools import lru_cache

import numpy as np
from fontTools.ttLib import TTFont

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from build_char_zones import SOURCES, char_ink_bounds  # noqa: E402 - the same source fonts and bounds
from build_templates import CHARS  # noqa: E402 - the same characters

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # the neighbours of an alphabet specimen

# More faces for the counters' rhythm alone (`counter_bearings`, `counter_share`): eight template sources are
# too few to say how fonts at large space against their counters (serif and sans faces depart in opposite
# ways). None of them is a template source, rendered by a test, or in a benchmark. (Debian package, file)
RHYTHM_SOURCES = [
    ("fonts-adf-accanthis", "/usr/share/fonts/truetype/adf/AccanthisADFStd-Regular.otf"),
    ("fonts-adf-baskervald", "/usr/share/fonts/truetype/adf/BaskervaldADFStd.otf"),
    ("fonts-adf-berenis", "/usr/share/fonts/truetype/adf/BerenisADFPro-Regular.otf"),
    ("fonts-adf-libris", "/usr/share/fonts/truetype/adf/LibrisADFStd-Regular.otf"),
    ("fonts-adf-romande", "/usr/share/fonts/truetype/adf/RomandeADFNo2Std-Regular.otf"),
    ("fonts-adf-tribun", "/usr/share/fonts/truetype/adf/TribunADFStd-Regular.otf"),
    ("fonts-adf-universalis", "/usr/share/fonts/truetype/adf/UniversalisADFStd-Regular.otf"),
    ("fonts-adf-verana", "/usr/share/fonts/truetype/adf/Verana-Regular.otf"),
    ("fonts-adf-verana", "/usr/share/fonts/truetype/adf/VeranaSans-Regular.otf"),
    ("fonts-crosextra-caladea", "/usr/share/fonts/truetype/crosextra/Caladea-Regular.ttf"),
    ("fonts-crosextra-carlito", "/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf"),
    ("fonts-freefont-otf", "/usr/share/fonts/opentype/freefont/FreeSans.otf"),
    ("fonts-freefont-otf", "/usr/share/fonts/opentype/freefont/FreeSerif.otf"),
    ("fonts-inter", "/usr/share/fonts/opentype/inter/Inter-Regular.otf"),
    ("fonts-linuxlibertine", "/usr/share/fonts/opentype/linux-libertine/LinLibertine_R.otf"),
    ("fonts-linuxlibertine", "/usr/share/fonts/opentype/linux-libertine/LinBiolinum_R.otf"),
    ("fonts-cabin", "/usr/share/fonts/opentype/cabin/Cabin-Regular.otf"),
    ("fonts-averia-serif-gwf", "/usr/share/fonts/truetype/averia-gwf/AveriaSerifGWF-Regular.ttf"),
    ("fonts-paratype", "/usr/share/fonts/truetype/paratype/PTF55F.ttf"),
    ("fonts-paratype", "/usr/share/fonts/truetype/paratype/PTS55F.ttf"),
    ("fonts-quicksand", "/usr/share/fonts/truetype/quicksand/Quicksand-Regular.ttf"),
    ("fonts-comfortaa", "/usr/share/fonts/truetype/comfortaa/Comfortaa-Regular.ttf"),
]


def median_sides(rows) -> list:
    """[median LSB, median RSB] of (LSB, RSB) rows, rounded as bearings.json stores them."""
    return [round(float(np.median([r[0] for r in rows])), 4), round(float(np.median([r[1] for r in rows])), 4)]


def alphabet_departure(bearings: dict, n_counter: float, table: dict, pairs) -> float:
    """em: what the spacing stage's tracking estimate says of a font set at tracking 0 (its exact `bearings`,
    its `n_counter`, a rhythm `table` in n counters): the median over neighbour `pairs` of gap − n counter ×
    (RSB(a) + LSB(b) in the table)."""
    return float(np.median([bearings[a][1] + bearings[b][0] - n_counter * (table[a][1] + table[b][0])
                            for a, b in pairs if a in bearings and b in bearings and a in table and b in table]))


@lru_cache(maxsize=None)
def font_bearings(path: str, chars) -> tuple:
    """({char: (LSB, RSB)} in em, the space's width in em or None) of one font."""
    font = TTFont(path)
    upem, cmap, gs = font["head"].unitsPerEm, font.getBestCmap(), font.getGlyphSet()
    out = {c: (bounds[0] / upem, (advance - bounds[2]) / upem)
           for c, (bounds, advance) in char_ink_bounds(font, chars).items()}
    return out, (gs[cmap[0x20]].width / upem if 0x20 in cmap else None)


@lru_cache(maxsize=None)
def font_counters(path: str) -> dict:
    """{char: counter width in em} of n, o and H, measured as the spacing stage measures a print's: the white
    between the two runs of ink on a scanline at glyphseg.spacing.COUNTER_SCANS of the ink's height, sampled
    every font unit (fontTools' PointInsidePen)."""
    from fontTools.pens.pointInsidePen import PointInsidePen

    from glyphseg.spacing import COUNTER_SCANS, counter_width, ink_edges

    font = TTFont(path)
    upem, cmap, gs = font["head"].unitsPerEm, font.getBestCmap(), font.getGlyphSet()
    out = {}
    for c, ((x0, y0, x1, y1), _) in char_ink_bounds(font, COUNTER_SCANS).items():
        y = y0 + COUNTER_SCANS[c] * (y1 - y0)
        inside = []
        for x in np.arange(np.floor(x0) - 2, np.ceil(x1) + 3):
            pen = PointInsidePen(gs, (float(x), y))
            gs[cmap[ord(c)]].draw(pen)
            inside.append(float(pen.getResult()))
        width = counter_width(np.array(inside))
        if width is not None:
            out[c] = width / upem
        if c == "n" and width is not None:  # how far n's ink reaches past its stems on the scanline (serifs), em
            start = np.floor(x0) - 2  # font x of the first sample
            edges = ink_edges(np.array(inside)) + start
            out["serif"] = ((edges[0] - x0) + (x1 - edges[3])) / upem
    return out


def rhythm_of(paths) -> tuple:
    """The counters' rhythm over `paths`: ({"serif": {char: [LSB, RSB]}, "sans": ...} in n counters, the median
    over the faces of that kind; {char: its counter in n's}; [(font, kind, its bearings, its n counter)]).
    A face is a serif face when n's serifs reach past its stems by more than glyphseg.spacing.SERIF_REACH
    counters (the fonts here: 0 or under 0.08 without serifs, 0.56 to 0.75 with): serifs close the gaps between
    the letters' ink, so serif faces set their ink closer against the same counters (by ~0.04 em)."""
    from glyphseg.spacing import face_kind

    per_kind = {"serif": {c: [] for c in CHARS}, "sans": {c: [] for c in CHARS}}
    shares = {"n": [], "o": [], "H": []}
    fonts = []
    for path in paths:
        bearings, _ = font_bearings(path, CHARS)
        counters = font_counters(path)
        kind = face_kind(counters["serif"], counters["n"])
        for c, lr in bearings.items():
            per_kind[kind][c].append((lr[0] / counters["n"], lr[1] / counters["n"]))
        for c in shares:
            if c in counters:
                shares[c].append(counters[c] / counters["n"])
        fonts.append((os.path.basename(path), kind, bearings, counters["n"]))
    tables = {kind: {c: median_sides(rows) for c, rows in per_char.items() if rows}
              for kind, per_char in per_kind.items()}
    return tables, {c: round(float(np.median(v)), 4) for c, v in shares.items()}, fonts


def main(out="glyphseg/data/bearings.json"):
    per_char = {c: [] for c in CHARS}
    spaces, used, proportional = [], [], []
    for path, licence in SOURCES:
        if not os.path.exists(path) or "Mono" in path or "Courier" in path:
            continue
        used.append({"font": os.path.basename(path), "licence": licence})
        proportional.append(path)
        bearings, space = font_bearings(path, CHARS)
        if space is not None:
            spaces.append(space)
        for c, lr in bearings.items():
            per_char[c].append(lr)
    bearings = {c: median_sides(rows) for c, rows in per_char.items() if rows}
    rhythm_fonts = proportional + [path for _, path in RHYTHM_SOURCES if os.path.exists(path)]
    counter_bearings, counter_share, fonts = rhythm_of(rhythm_fonts)
    with open(out, "w") as fh:
        json.dump({"units": "em", "sources": used, "space": round(float(np.median(spaces)), 4),
                   "bearings": bearings, "rhythm_fonts": [os.path.basename(p) for p in rhythm_fonts],
                   "counter_bearings": counter_bearings, "counter_share": counter_share},
                  fh, indent=0, ensure_ascii=False)
    print(f"wrote {len(bearings)} characters from {len(used)} fonts, the counters' rhythm from {len(fonts)}, to {out}")
    # what the spacing stage's tracking estimate says of each font's alphabet at tracking 0, with the rhythm
    # learnt from the other fonts: how far a face's own spacing departs from its kind's
    # (glyphseg.spacing.TRACKING_EVIDENCE)
    print("tracking estimated on each one's alphabet at tracking 0, the rhythm learnt without it:")
    departures = []
    for k, (name, kind, bearings, counter) in enumerate(fonts):
        table = rhythm_of([p for j, p in enumerate(rhythm_fonts) if j != k])[0][kind]
        departures.append(1000 * alphabet_departure(bearings, counter, table, zip(ALPHABET, ALPHABET[1:])))
        print(f"  {name} ({kind}): {departures[-1]:+.0f} em/1000")
    d = np.abs(departures)
    print(f"median {np.median(d):.0f}, 90th percentile {np.percentile(d, 90):.0f}, widest {d.max():.0f} em/1000")


if __name__ == "__main__":
    main(*sys.argv[1:])
