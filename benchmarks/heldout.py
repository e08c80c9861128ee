"""Fonts no rule was tuned on: the own-spacing layouts on nine 15th-century types from fonts-gotico-antiqua
(gothic, gotico-antiqua, hybrid and proto-roman designs; Jessen, the package's one font in the suite, is left
out), which no benchmark or test uses for development. A change tuned on the suite is checked here before it is
kept: it should not lose on these pages.

Detection and labels with the transcript (box IoU ≥ 0.5), as `benchmarks.own_spacing` scores them: alphabets
and sample words at tracking 0, the words at −0.05 em, clean / mild / harsh. About three minutes.

    python -m benchmarks.heldout [--levels clean,mild,harsh] [-o benchmarks/heldout.md]
"""
from __future__ import annotations

import os
from typing import Dict, List

import click

from .fonts import SuiteFont
from .own_spacing import LAYOUTS, page_scores

FOLDER = "/usr/share/fonts/opentype/gotico-antiqua"
NAMES = ["Hamlet-Cicero12", "Rusch-GoticoAntiqua100G", "Zainer-GoticoAntiqua96G",
         "Fust&Schoeffer-Durandus-GoticoAntiqua118G", "Parix-Hybrid111R", "SouffletVert-Hybrid106R",
         "Spira-ProtoRoman110R", "Ptolemy-GreatPrimer18", "Rot-ProtoRoman102R"]
HELD_OUT = [SuiteFont(name.lower(), name, "gothic", "held-out", "fonts-gotico-antiqua",
                      os.path.join(FOLDER, name + ".otf")) for name in NAMES]


@click.command()
@click.option("--levels", default="clean,mild,harsh", show_default=True)
@click.option("-o", "--out", default=os.path.join(os.path.dirname(__file__), "heldout.md"), show_default=True)
def main(levels, out):
    fonts = [f for f in HELD_OUT if os.path.exists(f.path)]
    if not fonts:
        raise click.ClickException(f"no font in {FOLDER}: apt-get install fonts-gotico-antiqua")
    rows: List[str] = []
    summary: Dict[tuple, List[dict]] = {}
    for font in fonts:
        for layout in LAYOUTS:
            for level in levels.split(","):
                s = page_scores(font, layout, level)
                summary.setdefault((layout, level), []).append(s)
                rows.append(f"| {font.family} | {layout} | {level} | {s['f1']:.3f} | {s['labels']:.3f} | "
                            f"{s['missed']} |")
                click.echo(rows[-1])
    lines = ["# Held-out fonts", "", f"Made by `python -m benchmarks.heldout`: {len(fonts)} fonts of "
             "fonts-gotico-antiqua that no rule was tuned on (detection and labels with the transcript).", "",
             "| layout | level | pages | F1 (mean) | F1 (min) | labels (mean) |", "|---|---|---|---|---|---|"]
    for (layout, level), scores in sorted(summary.items()):
        f1 = [s["f1"] for s in scores]
        lines.append(f"| {layout} | {level} | {len(scores)} | {sum(f1) / len(f1):.3f} | {min(f1):.3f} | "
                     f"{sum(s['labels'] for s in scores) / len(scores):.3f} |")
    lines += ["", "| font | layout | level | F1 | labels | not found |", "|---|---|---|---|---|---|"] + rows
    with open(out, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
