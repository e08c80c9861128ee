"""Do the fonts glyphseg writes pass the field's checks? fontbakery's `check-universal` on the demo specimen's
font and on a suite font's specimen (issue 18: no FAIL but what a specimen cannot give).

Each specimen is extracted with its transcript (threshold segmenter), its UFO compiled to OpenType with ufo2ft
(as the report does), and fontbakery run on the file; the table lists every FAIL and ERROR by check id.
fontbakery is not a dependency of glyphseg (it pins its own fontTools): install it in its own environment and
pass its command:

    python -m venv /tmp/fb && /tmp/fb/bin/pip install fontbakery
    python -m benchmarks.fontbakery_check --fontbakery /tmp/fb/bin/fontbakery [-o benchmarks/fontbakery.md]
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile

import click
import ufo2ft

from glyphseg.export import build_ufo
from glyphseg.pipeline import ExtractOptions, extract
from glyphseg.specimen import DEFAULT_LINES, degrade, render_specimen
from glyphseg.types import Page

from . import fonts as fonts_mod
from .own_spacing import WORDS

DEMO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "specimens",
                    "dejavu-serif-specimen.pdf")


def failures(fontbakery: str, path: str) -> list:
    """(status, check id, first line of its message) of every FAIL and ERROR."""
    out = subprocess.run([fontbakery, "check-universal", path, "-l", "FAIL", "--no-colors"],
                         capture_output=True, text=True, timeout=900).stdout
    found, check = [], None
    for line in out.splitlines():
        head = re.match(r"\s*>> (\S+)", line)
        if head:
            check = head.group(1)
        status = re.match(r"\s*(FAIL|ERROR) (.*)", line)
        if status and check:
            found.append((status.group(1), check, status.group(2).strip()))
    return found


@click.command()
@click.option("--fontbakery", "fontbakery", default="fontbakery", show_default=True, help="fontbakery's command.")
@click.option("--font", "font_id", default="liberation-sans", show_default=True, help="The suite font.")
@click.option("-o", "--out", default=None)
def main(fontbakery, font_id, out):
    font = next(f for f in fonts_mod.text_fonts() if f.id == font_id)

    spec = degrade(render_specimen(font.path, lines=DEFAULT_LINES + WORDS, dpi=600, size_pt=14, tracking_em=0.0),
                   "mild", seed=3)
    demo_text = open(os.path.splitext(DEMO)[0] + ".txt", encoding="utf-8").read()
    runs = [("demo specimen (DejaVu Serif, letterspaced 0.12 em)",
             extract([DEMO], ExtractOptions(dpi=300, text=demo_text, segmenter="threshold", family="Demo Serif"))),
            (f"{font.family}: alphabet and sample words at its own spacing, mild print",
             extract([], ExtractOptions(text=spec.text, segmenter="threshold", family="Suite Sans"),
                     pages=[Page(0, font.id, 600, spec.image)]))]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, (name, ex) in enumerate(runs):
            path = os.path.join(tmp, f"font{k}.otf")
            ufo2ft.compileOTF(build_ufo(ex), useProductionNames=False).save(path)
            found = failures(fontbakery, path)
            listed = "; ".join(f"{status} `{check}`: {message}" for status, check, message in found) or "none"
            rows.append(f"| {name} | {sum(s == 'FAIL' for s, _, _ in found)} | "
                        f"{sum(s == 'ERROR' for s, _, _ in found)} | {listed} |")
            print(rows[-1], flush=True)
    version = subprocess.run([fontbakery, "--version"], capture_output=True, text=True).stdout.strip()
    text = "\n".join([f"# fontbakery check-universal ({version}) on fonts glyphseg extracted", "",
                      "| specimen | FAIL | ERROR | which |", "|---|---|---|---|", *rows, "",
                      "`case_mapping` fails where a specimen printed one case of a letter and not the other (ä without "
                      "Ä): a specimen cannot give what it did not print. `fontdata_namecheck` errs without internet.",
                      "", "Command: `python -m benchmarks.fontbakery_check --fontbakery PATH/TO/fontbakery"
                      + (f" -o {out}`." if out else "`.")]) + "\n"
    print(text)
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
