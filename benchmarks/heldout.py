"""Fonts no rule was tuned on, in two sets that no benchmark or test uses for development:

- `gothic`: nine 15th-century types from fonts-gotico-antiqua (gothic, gotico-antiqua, hybrid and proto-roman
  designs; Jessen, the package's one font in the suite, is left out);
- `italic`: ten italics and one chancery script from Debian's font packages, none of them a template source
  (templates/SOURCES.md; some are italics of a source's family, drawn apart from its roman). The suite has no
  italic; its two scripts are the only slanted faces rules were tuned on.

A change tuned on the suite is checked here before it is kept: it should not lose on these pages.

Detection and labels with the transcript (box IoU ≥ 0.5), as `benchmarks.own_spacing` scores them: alphabets
and sample words at tracking 0, the words at −0.05 em, clean / mild / harsh. About three minutes a set.

    python -m benchmarks.heldout [--set gothic|italic] [--levels clean,mild,harsh] [-o benchmarks/heldout.md]
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
_ITALICS = [  # (family, Debian package, file)
    ("Liberation Sans Italic", "fonts-liberation2", "/usr/share/fonts/truetype/liberation2/LiberationSans-Italic.ttf"),
    ("P052 Italic", "fonts-urw-base35", "/usr/share/fonts/opentype/urw-base35/P052-Italic.otf"),
    ("Z003 (chancery)", "fonts-urw-base35", "/usr/share/fonts/opentype/urw-base35/Z003-MediumItalic.otf"),
    ("URW Bookman Light Italic", "fonts-urw-base35", "/usr/share/fonts/opentype/urw-base35/URWBookman-LightItalic.otf"),
    ("Liberation Serif Italic", "fonts-liberation2",
     "/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf"),
    ("DejaVu Serif Italic", "fonts-dejavu-extra", "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf"),
    ("Old Standard Italic", "fonts-oldstandard", "/usr/share/fonts/truetype/fonts-oldstandard/OldStandard-Italic.ttf"),
    ("Go Italic", "fonts-go", "/usr/share/fonts/fonts-go/Go-Italic.ttf"),
    ("Lato Italic", "fonts-lato", "/usr/share/fonts/truetype/lato/Lato-Italic.ttf"),
    ("Open Sans Italic", "fonts-open-sans", "/usr/share/fonts/truetype/open-sans/OpenSans-Italic.ttf"),
    ("Comic Neue Italic", "fonts-comic-neue", "/usr/share/fonts/opentype/comic-neue/ComicNeue-Italic.otf"),
]
ITALIC = [SuiteFont(os.path.basename(path).rsplit(".", 1)[0].lower(), family, "italic", "held-out", package, path)
          for family, package, path in _ITALICS]
SETS = {"gothic": (HELD_OUT, "heldout.md", "fonts of fonts-gotico-antiqua"),
        "italic": (ITALIC, "heldout_italic.md", "italic and chancery fonts of Debian's font packages")}


@click.command()
@click.option("--set", "font_set", type=click.Choice(sorted(SETS)), default="gothic", show_default=True)
@click.option("--levels", default="clean,mild,harsh", show_default=True)
@click.option("-o", "--out", default=None, help="default: benchmarks/heldout.md (gothic), heldout_italic.md (italic)")
def main(font_set, levels, out):
    candidates, default_out, described = SETS[font_set]
    out = out or os.path.join(os.path.dirname(__file__), default_out)
    fonts = [f for f in candidates if os.path.exists(f.path)]
    if not fonts:
        raise click.ClickException("none of the fonts is installed: apt-get install "
                                   + " ".join(sorted({f.package for f in candidates})))
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
    lines = ["# Held-out fonts", "", f"Made by `python -m benchmarks.heldout --set {font_set}`: {len(fonts)} {described} "
             "that no rule was tuned on (detection and labels with the transcript).", "",
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
