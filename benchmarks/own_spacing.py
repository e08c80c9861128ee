"""Specimens set the way specimens are set: at the font's own spacing, and sample words at tight tracking.

The main suite letterspaces its alphabets by 0.12 em; real specimens do not. This measures detection
(one-to-one box matching, IoU ≥ 0.5) and labels with the transcript on the suite's fonts (none a template
source) for four layouts, clean and mild (`--levels` adds harsh):
- `alphabet`: the suite's alphabet lines at tracking 0;
- `words`: sample words at tracking 0 (ff, fi, rn, and the dots of i and j beside their neighbours);
- `tight`: the same words at −0.05 em, where neighbours touch;
- `solid`: sample sentences with accents and punctuation at tracking 0 and leading 1.0 em (set solid), where a
  line's periods and descenders come close to the next line's accents and ascenders.
It runs detection and labelling only (no tracing), about a second a page; `--outlines` also extracts the
tight pages whole (`glyphseg --text`, threshold segmenter) and scores their outlines as the suite does.

    python -m benchmarks.own_spacing [--fonts dejavu-serif,…] [--levels clean,mild,harsh] [--outlines]
        [--transcript flat|lines|rewrapped|typed|none] [-o benchmarks/own_spacing.md]
"""
from __future__ import annotations

import os
import zlib
from collections import Counter
from typing import Dict, List, Optional, Sequence

import click

from glyphseg.detect import detect
from glyphseg.label import label
from glyphseg.score import match_boxes
from glyphseg.specimen import DEFAULT_LINES, degrade, render_specimen
from glyphseg.types import Page

from . import fonts as fonts_mod

WORDS = ["Hamburgefonstiv quijote", "affiliate office waffle", "jinx fjord hijinks", "Wave AVOW Tuxedo Lynx",
         "modern burn; yes: fix", "Quality Typography"]
# Sample text set solid (leading 1.0 em), as specimens set their text blocks: a line's descenders and periods
# come within a hair of the next line's ascenders, accents and i-dots.
SOLID = ["Größe, Höhe und Weite: je nach Bedarf.", "Zwölf Boxkämpfer jagen Viktor quer", "über den Sylter Deich;",
         "Jäger! Çà et là, l'évêque déçu", "piqua Noël. Quick fox? Yes, jump."]
LAYOUTS = {"alphabet": (DEFAULT_LINES, 0.0), "words": (WORDS, 0.0), "tight": (WORDS, -0.05), "solid": (SOLID, 0.0)}
LEADING = {"solid": 1.0}  # em from baseline to baseline; the others at render_specimen's 1.7
LEVELS = ("clean", "mild")


TRANSCRIPTS = ("flat", "lines", "rewrapped", "typed", "none")


def transcript(spec, kind: str, lines: Sequence[str] = ()) -> Optional[str]:
    """The page's transcript as a user might type it: `flat` (one run of characters), `lines` (one line per
    printed line), `rewrapped` (lines of 60 % of a printed line's mean length: breaks where the page has none),
    `typed` (the printed `lines` as typed, words apart: each line's characters with its spaces); `none`: no
    transcript (labels by recognition)."""
    if kind == "none":
        return None
    if kind == "typed":
        printed, k, typed = spec.text, 0, []
        for line in lines:  # the characters the font printed, with the spaces between them
            kept = []
            for ch in line:
                if ch.isspace():
                    kept.append(ch)
                elif k < len(printed) and printed[k] == ch:
                    kept.append(ch)
                    k += 1
            typed.append("".join(kept))
        return "\n".join(typed)
    by_line: Dict[int, str] = {}
    for g in spec.glyphs:
        by_line[g.line] = by_line.get(g.line, "") + g.char
    printed = [by_line[k] for k in sorted(by_line)]
    if kind == "lines":
        return "\n".join(printed)
    if kind == "rewrapped":
        flat, width = "".join(printed), max(1, round(0.6 * sum(map(len, printed)) / len(printed)))
        return "\n".join(flat[i:i + width] for i in range(0, len(flat), width))
    return spec.text


def page_scores(font, layout: str, level: str, kind: str = "flat") -> Dict[str, object]:
    lines, tracking = LAYOUTS[layout]
    seed = zlib.crc32(f"{font.id}/{layout}/{level}".encode()) % 2 ** 31
    spec = degrade(render_specimen(font.path, lines=lines, dpi=600, size_pt=14, tracking_em=tracking,
                                   leading=LEADING.get(layout, 1.7)), level, seed=seed)
    page = Page(index=0, source=f"{font.id}-{layout}-{level}", dpi=600, image=spec.image)
    lab = label([detect(page)], [page], transcript(spec, kind, lines))
    m = match_boxes([g.bbox for g in lab.glyphs], [g.bbox for g in spec.glyphs])
    _, _, f1 = m.prf()
    right = sum(lab.glyphs[i].char == spec.glyphs[j].char for i, j in m.pairs)
    return {"f1": f1, "labels": right / len(spec.glyphs), "n": len(spec.glyphs),
            "missed": "".join(spec.glyphs[j].char for j in m.unmatched_true)}


def tight_outlines(font, level: str, workroot: str) -> Dict[str, float]:
    """The tight page extracted whole and scored like the suite's pages: outline IoU and distance."""
    from .scoring import Contract, TruthPage, score_contract
    from .suite import run_glyphseg

    lines, tracking = LAYOUTS["tight"]
    seed = zlib.crc32(f"{font.id}/tight/{level}".encode()) % 2 ** 31
    spec = degrade(render_specimen(font.path, lines=lines, dpi=600, size_pt=14, tracking_em=tracking), level,
                   seed=seed)
    from glyphseg.specimen import save_png

    work = os.path.join(workroot, f"{font.id}-{level}")
    os.makedirs(work, exist_ok=True)
    save_png(spec, os.path.join(work, "page.png"))
    run_glyphseg(os.path.join(work, "page.png"), os.path.join(work, "out"), spec.text, "threshold", font.family)
    score = score_contract(Contract.read(os.path.join(work, "out")), TruthPage(spec), compile_ufo=False)
    return {"iou": score["outlines"]["iou_mean"], "dist": score["outlines"]["dist_mean"]}


@click.command()
@click.option("--fonts", default=None, help="Comma-separated font ids (default: the whole suite).")
@click.option("--levels", default=",".join(LEVELS), show_default=True, help="Comma-separated: clean,mild,harsh.")
@click.option("--outlines", is_flag=True, help="Also trace the tight pages and score their outlines (minutes).")
@click.option("--transcript", "kind", type=click.Choice(TRANSCRIPTS), default="flat", show_default=True,
              help="How the transcript is typed: one run, one line per printed line, or wrapped elsewhere.")
@click.option("-o", "--out", default=os.path.join(os.path.dirname(__file__), "own_spacing.md"), show_default=True)
def main(fonts, levels, outlines, kind, out):
    levels = tuple(levels.split(","))
    chosen = [f for f in fonts_mod.SUITE if os.path.exists(f.path) and (not fonts or f.id in fonts.split(","))]
    rows: List[str] = []
    summary: Dict[tuple, List[dict]] = {}
    missed: Counter = Counter()
    for font in chosen:
        for layout in LAYOUTS:
            for level in levels:
                s = page_scores(font, layout, level, kind)
                summary.setdefault((font.group, layout, level), []).append(s)
                missed.update(s["missed"])
                rows.append(f"| {font.id} | {layout} | {level} | {s['f1']:.3f} | {s['labels']:.3f} | {s['missed']} |")
                click.echo(rows[-1])
    how = ("without a transcript (labels by recognition)" if kind == "none" else "with the transcript"
           + (f", typed `{kind}`" if kind != "flat" else ""))
    lines = ["# Own spacing and tight tracking", "", "Made by `python -m benchmarks.own_spacing` (detection and labels "
             f"{how}; box IoU ≥ 0.5).", "", "| fonts | layout | level | pages | F1 (mean) | F1 (min) | "
             "labels (mean) |", "|---|---|---|---|---|---|---|"]
    for (group, layout, level), scores in sorted(summary.items()):
        f1 = [s["f1"] for s in scores]
        lines.append(f"| {group} | {layout} | {level} | {len(scores)} | {sum(f1) / len(f1):.3f} | {min(f1):.3f} | "
                     f"{sum(s['labels'] for s in scores) / len(scores):.3f} |")
    lines += ["", "Characters not found whole and alone, all pages: " +
              (", ".join(f"{c} {n}" for c, n in missed.most_common()) or "none"), "",
              "| font | layout | level | F1 | labels | not found |", "|---|---|---|---|---|---|"] + rows
    if outlines:
        import tempfile

        lines += ["", "## Tight pages traced (IoU of outlines with the true glyphs, mean distance em/1000)", "",
                  "| font | level | IoU | distance |", "|---|---|---|---|"]
        with tempfile.TemporaryDirectory() as work:
            scores = {}
            for font in chosen:
                for level in levels:
                    scores[(font.id, font.group, level)] = tight_outlines(font, level, work)
                    sc = scores[(font.id, font.group, level)]
                    lines.append(f"| {font.id} | {level} | {sc['iou']:.4f} | {sc['dist']:.2f} |")
                    click.echo(lines[-1])
        for group in ("text", "hard"):
            for level in levels:
                vals = [v["iou"] for (f, g, lv), v in scores.items() if g == group and lv == level]
                if vals:
                    lines.append(f"| **{group} fonts** | {level} | {sum(vals) / len(vals):.4f} | |")
    with open(out, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
