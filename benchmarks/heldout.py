"""Fonts no rule was tuned on, in two sets that no benchmark or test uses for development:

- `gothic`: nine 15th-century types from fonts-gotico-antiqua (gothic, gotico-antiqua, hybrid and proto-roman
  designs; Jessen, the package's one font in the suite, is left out);
- `italic`: ten italics and one chancery script from Debian's font packages, none of them a template source
  (templates/SOURCES.md; some are italics of a source's family, drawn apart from its roman). The suite has no
  italic; its two scripts are the only slanted faces rules were tuned on.
- `script`: nine connected scripts and handwriting faces from Debian's font packages (casual and formal
  scripts, school and secretary hands, print handwriting); the suite's two scripts (Dancing, Kaushan) are the
  only ones rules were tuned on.

And one set that is not held out: `dev`, twelve fonts outside the suite (four gotico-antiqua types, eight bold
text faces) on which the cutting of touching letters at tight tracking was developed (`benchmarks/dev_tight.md`).

A change tuned on the suite is checked here before it is kept: it should not lose on these pages.

Detection and labels with the transcript (box IoU ≥ 0.5), as `benchmarks.own_spacing` scores them: alphabets
and sample words at tracking 0, the words at −0.05 em, clean / mild / harsh. About three minutes a set.

    python -m benchmarks.heldout [--set gothic|italic|script|dev] [--levels clean,mild,harsh] [-o benchmarks/heldout.md]
"""
from __future__ import annotations

import os
from typing import Dict, List

import click

from .fonts import SuiteFont
from .own_spacing import LAYOUTS, TRANSCRIPTS, page_scores

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


def _fonts(entries, kind: str, group: str) -> List[SuiteFont]:
    """SuiteFonts of (family, Debian package, file) entries, each named by its file's stem."""
    return [SuiteFont(os.path.basename(path).rsplit(".", 1)[0].lower(), family, kind, group, package, path)
            for family, package, path in entries]


ITALIC = _fonts(_ITALICS, "italic", "held-out")
_SCRIPTS = [  # (family, Debian package, file): each covers every character the layouts print
    ("Kristi", "fonts-kristi", "/usr/share/fonts/truetype/kristi/Kristi.ttf"),
    ("Lobster", "fonts-lobster", "/usr/share/fonts/opentype/lobster/lobster.otf"),
    ("Leckerli One", "fonts-leckerli-one", "/usr/share/fonts/truetype/leckerli-one/LeckerliOne-Regular.ttf"),
    ("Joscelyn (secretary hand)", "fonts-joscelyn", "/usr/share/fonts/opentype/joscelyn/Joscelyn-Regular.otf"),
    ("DKG Handwriting", "fonts-dkg-handwriting", "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf"),
    ("Breip", "fonts-breip", "/usr/share/fonts/truetype/breip/Breip.ttf"),
    ("Femke Klaver", "fonts-femkeklaver", "/usr/share/fonts/truetype/femkeklaver/femkeklaver.ttf"),
    ("Delphine", "fonts-sjfonts", "/usr/share/fonts/truetype/sjfonts/Delphine.ttf"),
    ("Steve Hand", "fonts-sjfonts", "/usr/share/fonts/truetype/sjfonts/SteveHand.ttf"),
]
SCRIPT = _fonts(_SCRIPTS, "script", "held-out")
_DEV = [  # (family, Debian package, file): neither suite, held-out nor template source fonts
    ("Rusch R Bizarre ProtoRoman 103R", "fonts-gotico-antiqua", FOLDER + "/Rusch-R-Bizarre-ProtoRoman103R.otf"),
    ("Sweynheim & Pannartz ProtoRoman 115R", "fonts-gotico-antiqua",
     FOLDER + "/Sweynheim&Pannartz-ProtoRoman115R.otf"),
    ("Sweynheim & Pannartz Subiaco 120R", "fonts-gotico-antiqua",
     FOLDER + "/Sweynheim&Pannartz-Subiaco-ProtoRoman120R.otf"),
    ("Hamlet Tertia 18", "fonts-gotico-antiqua", FOLDER + "/Hamlet-Tertia18.otf"),
    ("DejaVu Serif Bold", "fonts-dejavu-core", "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"),
    ("Liberation Serif Bold", "fonts-liberation2", "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf"),
    ("Vollkorn Bold", "fonts-vollkorn", "/usr/share/fonts/truetype/vollkorn/Vollkorn-Bold.ttf"),
    ("C059 Bold", "fonts-urw-base35", "/usr/share/fonts/opentype/urw-base35/C059-Bold.otf"),
    ("URW Bookman Demi", "fonts-urw-base35", "/usr/share/fonts/opentype/urw-base35/URWBookman-Demi.otf"),
    ("Cantarell Bold", "fonts-cantarell", "/usr/share/fonts/opentype/cantarell/Cantarell-Bold.otf"),
    ("Open Sans Bold", "fonts-open-sans", "/usr/share/fonts/truetype/open-sans/OpenSans-Bold.ttf"),
    ("Nimbus Sans Narrow Bold", "fonts-urw-base35", "/usr/share/fonts/opentype/urw-base35/NimbusSansNarrow-Bold.otf"),
]
DEV = _fonts(_DEV, "dev", "development")
SETS = {"gothic": (HELD_OUT, "heldout.md", "fonts of fonts-gotico-antiqua"),
        "italic": (ITALIC, "heldout_italic.md", "italic and chancery fonts of Debian's font packages"),
        "script": (SCRIPT, "heldout_script.md", "connected script and handwriting fonts of Debian's font packages"),
        # not held out: the set the cutting of touching letters at tight tracking was developed on (gothic
        # and proto-roman types beside the held-out nine, and bold text faces, whose letters touch there)
        "dev": (DEV, "dev_tight.md", "development fonts (bold faces and gotico-antiqua types outside the suite)")}


@click.command()
@click.option("--set", "font_set", type=click.Choice(sorted(SETS)), default="gothic", show_default=True)
@click.option("--levels", default="clean,mild,harsh", show_default=True)
@click.option("--transcript", "kind", type=click.Choice(TRANSCRIPTS), default="flat", show_default=True,
              help="How the transcript is typed (benchmarks.own_spacing); `none`: labels by recognition.")
@click.option("-o", "--out", default=None,
              help="default: benchmarks/heldout.md (gothic), heldout_italic.md (italic), heldout_script.md (script), "
                   "dev_tight.md (dev)")
def main(font_set, levels, kind, out):
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
                s = page_scores(font, layout, level, kind)
                summary.setdefault((layout, level), []).append(s)
                rows.append(f"| {font.family} | {layout} | {level} | {s['f1']:.3f} | {s['labels']:.3f} | "
                            f"{s['missed']} |")
                click.echo(rows[-1])
    tuned = ("that the cutting of touching letters was tuned on: not held out" if font_set == "dev"
             else "that no rule was tuned on")
    command = f"python -m benchmarks.heldout --set {font_set}" + (f" --transcript {kind}" if kind != "flat" else "")
    lines = ["# Development fonts" if font_set == "dev" else "# Held-out fonts", "",
             f"Made by `{command}`: {len(fonts)} {described} "
             f"{tuned} (detection and labels "
             + ("without a transcript: labels by recognition" if kind == "none" else "with the transcript")
             + (f", typed `{kind}`" if kind not in ("flat", "none") else "") + ").", "",
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
