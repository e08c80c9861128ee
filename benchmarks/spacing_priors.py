"""How much of a font's spacing the gaps on a specimen page can tell, before any image is involved.

Issue 18 asks for side bearings from the observed gaps (gap = RSB(a) + LSB(b) + tracking), priors from the
template source fonts for what the gaps leave open, and the specimen's tracking removed. This study uses
the fonts' exact bearings (fontTools, no rendering, no detection error), so its figures are the best any
method built on these equations and priors can reach:

- **tracking**: fitting gap = s · (ref RSB(a) + ref LSB(b)) + t on an alphabet's neighbour pairs, with the
  reference bearings the median of the template source fonts (in em, or in units of each font's `n` or `H`
  bearing), how far t lands from the true tracking;
- **tracking from the counters' rhythm** (what the spacing stage does): the median over an alphabet's pairs of
  gap − n counter × (RSB(a) + LSB(b) in n counters, from glyphseg/data/bearings.json's faces of the font's kind),
  with the font's exact bearings and its n counter measured on its outline, at tracking 0: how far each suite
  font's own spacing departs from the rhythm (none of them is among the faces the rhythm is learnt from);
- **bearings** at tracking 0: advance and LSB errors (em/1000, median and 95th percentile over characters)
  when each gap is split evenly, split in the reference fonts' proportion, or solved jointly over all pairs
  (least squares with a weak pull towards s · reference bearings), on alphabet lines (each letter once) and
  on sample words (letters repeated beside different neighbours).

    python -m benchmarks.spacing_priors [-o benchmarks/spacing_priors.md]

Needs the template source fonts (templates/build_char_zones.py lists their Debian packages).
"""
from __future__ import annotations

import os
import sys
from typing import Dict, List, Tuple

import click
import numpy as np

from glyphseg.specimen import DEFAULT_LINES

from . import fonts as fonts_mod
from .own_spacing import WORDS

Bearings = Dict[str, Tuple[float, float]]  # char → (LSB, RSB) in em


def font_bearings(path: str, chars: str) -> Bearings:
    """A font's exact bearings in em (templates/build_bearings.py's reading of a font)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "templates"))
    from build_bearings import font_bearings as read

    return read(path, chars)[0]


def reference(fonts: List[Bearings], unit: str) -> Bearings:
    """Median bearings over the reference fonts, in em or in units of each font's n / H bearing."""
    def scale(b: Bearings) -> float:
        return 1.0 if unit == "em" else (b[unit][0] + b[unit][1]) / 2

    chars = set().union(*fonts)
    return {c: tuple(float(np.median([b[c][side] / scale(b) for b in fonts if c in b])) for side in (0, 1))
            for c in chars}


def pairs(lines: List[str], chars) -> List[Tuple[str, str]]:
    out = []
    for line in lines:
        for word in line.split():
            cs = [c for c in word if c in chars]
            out += list(zip(cs, cs[1:]))
    return out


def tracking_error(true: Bearings, ref: Bearings, tracking: float) -> float:
    """em/1000: t from a robust fit gap = s · (ref RSB + ref LSB) + t, minus the true tracking."""
    pp = [(a, b) for a, b in pairs(DEFAULT_LINES, true) if a in ref and b in ref]
    x = np.array([ref[a][1] + ref[b][0] for a, b in pp])
    y = np.array([true[a][1] + true[b][0] + tracking for a, b in pp])
    design = np.stack([x, np.ones_like(x)], axis=1)
    keep = np.ones(len(x), bool)
    for _ in range(3):  # drop the worst fifth of the pairs, twice (kerning-like outliers)
        (s, t), *_ = np.linalg.lstsq(design[keep], y[keep], rcond=None)
        residual = np.abs(y - design @ [s, t])
        keep = residual <= np.percentile(residual, 80)
    return 1000 * (t - tracking)


def bearing_errors(true: Bearings, ref: Bearings, lines: List[str], method: str) -> Tuple[List[float], List[float]]:
    """(advance errors, LSB errors) in em/1000 over the characters on `lines`, at tracking 0."""
    pp = pairs(lines, true)
    chars = sorted({c for ab in pp for c in ab})
    if method == "joint":
        idx = {c: i for i, c in enumerate(chars)}
        n, pull = len(chars), 0.1
        rows, rhs = [], []
        for a, b in pp:
            r = np.zeros(2 * n + 1)
            r[n + idx[a]] = r[idx[b]] = 1.0
            rows.append(r)
            rhs.append(true[a][1] + true[b][0])
        for c in chars:  # a weak pull towards s · reference, s free
            for side in (0, 1):
                r = np.zeros(2 * n + 1)
                r[side * n + idx[c]] = pull
                r[2 * n] = -pull * ref.get(c, (0.05, 0.05))[side]
                rows.append(r)
                rhs.append(0.0)
        x = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
        est = {c: (x[idx[c]], x[n + idx[c]]) for c in chars}
    else:
        seen: Dict[str, List[List[float]]] = {c: [[], []] for c in chars}
        for a, b in pp:
            gap = true[a][1] + true[b][0]
            ra, lb = max(ref.get(a, (.05, .05))[1], .005), max(ref.get(b, (.05, .05))[0], .005)
            w = 0.5 if method == "half" else ra / (ra + lb)
            seen[a][1].append(gap * w)
            seen[b][0].append(gap * (1 - w))
        est = {}
        for c, (ls, rs) in seen.items():
            lsb = float(np.median(ls)) if ls else float(np.median(rs))
            rsb = float(np.median(rs)) if rs else lsb
            est[c] = (lsb, rsb)
    adv = [1000 * abs(sum(est[c]) - sum(true[c])) for c in chars]
    lsb = [1000 * abs(est[c][0] - true[c][0]) for c in chars]
    return adv, lsb


def rhythm_section(suite) -> List[str]:
    """The tracking the counters' rhythm estimates on each suite font's alphabet set at tracking 0 (em/1000)."""
    from build_bearings import alphabet_departure, font_counters

    from glyphseg.spacing import TRACKING_EVIDENCE, face_kind, reference_rhythm

    tables, _ = reference_rhythm()
    rows, departures = [], []
    for font, true in suite:
        if "mono" in font.id:  # the stage makes no estimate on a monospaced page
            continue
        counters = font_counters(font.path)
        kind = face_kind(counters["serif"], counters["n"])
        letter_pairs = [(a, b) for a, b in pairs(DEFAULT_LINES, true) if a.isalnum() and b.isalnum()]
        departures.append(1000 * alphabet_departure(true, counters["n"], tables[kind], letter_pairs))
        rows.append(f"| {font.id} | {kind} | {departures[-1]:+.0f} |")
    d = np.abs(departures)
    over = int(np.sum(d > 1000 * TRACKING_EVIDENCE))
    return ["", "## Tracking from the counters' rhythm, at tracking 0 (em/1000, estimated − true)", "",
            f"{len(d)} proportional suite fonts: median {np.median(d):.0f}, widest {d.max():.0f}; {over} over the "
            f"stage's threshold ({1000 * TRACKING_EVIDENCE:.0f}), where a solid page would lose that much spacing.", "",
            "| font | kind | estimate |", "|---|---|---|", *rows]


@click.command()
@click.option("-o", "--out", default=None, help="Markdown file for the tables.")
def main(out):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "templates"))
    from build_char_zones import SOURCES

    chars = "".join(sorted(set("".join(DEFAULT_LINES) + "".join(WORDS) + "nH") - {" "}))
    refs = [font_bearings(p, chars) for p, _ in SOURCES if os.path.exists(p)]
    proportional = [b for b, (p, _) in zip(refs, [s for s in SOURCES if os.path.exists(s[0])])
                    if "Mono" not in p and "Courier" not in p]
    suite = [(f, font_bearings(f.path, chars)) for f in fonts_mod.SUITE if f.group == "text" and os.path.exists(f.path)]
    lines = [f"# What the gaps tell: spacing from exact bearings ({len(refs)} reference fonts, {len(suite)} suite "
             "text fonts)", "", "## Tracking from an alphabet's gaps (em/1000, estimated − true; same at any tracking)",
             "", "| reference bearings in | median abs error | min | max |", "|---|---|---|---|"]
    for unit, pool in (("em", refs), ("n", proportional), ("H", proportional)):
        ref = reference(pool, unit)
        errs = [tracking_error(b, ref, 0.10) for f, b in suite if "mono" not in f.id or unit == "em"]
        lines.append(f"| {unit} | {np.median(np.abs(errs)):.0f} | {min(errs):+.0f} | {max(errs):+.0f} |")
    lines += rhythm_section(suite)
    lines += ["", "## Bearings at tracking 0 (em/1000 over characters: advance median / p95 · LSB median)", "",
              "| page | even split | reference proportion | joint least squares |", "|---|---|---|---|"]
    ref = reference(refs, "em")
    for name, page in (("alphabet lines", DEFAULT_LINES), ("sample words", WORDS)):
        cells = []
        for method in ("half", "prior", "joint"):
            adv, lsb = [], []
            for _, b in suite:
                a, s = bearing_errors(b, ref, page, method)
                adv += a
                lsb += s
            cells.append(f"{np.median(adv):.1f} / {np.percentile(adv, 95):.0f} · {np.median(lsb):.1f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text + "\nCommand: `python -m benchmarks.spacing_priors -o " + out + "`.\n")


if __name__ == "__main__":
    main()
