"""A picture of what glyphseg found on a page: glyph boxes coloured by face, elements (rules, ornaments, page
numbers) dashed, read from an output folder's glyphs.json over the page image.

    python -m benchmarks.overlay_picture OUTDIR PAGE_IMAGE -o picture.png [--page 0] [--width 1600]
"""
from __future__ import annotations

import json
import os

import click
import cv2
import numpy as np

FACE_COLOURS = [(191, 95, 31), (15, 66, 184), (64, 133, 46), (160, 63, 123), (0, 120, 160), (143, 131, 0)]  # BGR
ELEMENT_COLOUR = (160, 63, 123)


def _dashed_rectangle(img, box, colour, thickness, dash=18):
    x0, y0, x1, y1 = box
    for a, b in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))):
        length = int(np.hypot(b[0] - a[0], b[1] - a[1]))
        for s in range(0, length, 2 * dash):
            t0, t1 = s / max(length, 1), min(1.0, (s + dash) / max(length, 1))
            p = (int(a[0] + (b[0] - a[0]) * t0), int(a[1] + (b[1] - a[1]) * t0))
            q = (int(a[0] + (b[0] - a[0]) * t1), int(a[1] + (b[1] - a[1]) * t1))
            cv2.line(img, p, q, colour, thickness)


def overlay(manifest: dict, image: np.ndarray, page: int = 0) -> np.ndarray:
    out = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image.copy()
    thick = max(2, image.shape[1] // 900)
    for g in manifest["glyphs"]:
        if g["page"] == page:
            colour = FACE_COLOURS[g.get("face", 0) % len(FACE_COLOURS)]
            x0, y0, x1, y1 = g["bbox"]
            cv2.rectangle(out, (x0, y0), (x1, y1), colour, thick)
    for e in manifest.get("elements", []):
        if e["page"] == page:
            _dashed_rectangle(out, e["bbox"], ELEMENT_COLOUR, thick)
            cv2.putText(out, e["kind"], (e["bbox"][0], max(20, e["bbox"][1] - 8)), cv2.FONT_HERSHEY_SIMPLEX,
                        thick * 0.6, ELEMENT_COLOUR, thick)
    for k, face in enumerate(manifest.get("faces", [])):
        cv2.putText(out, f"F{k + 1}: {face['font']['familyName']} ({face['glyphs']} glyphs)", (20, 40 + 40 * k),
                    cv2.FONT_HERSHEY_SIMPLEX, thick * 0.6, FACE_COLOURS[k % len(FACE_COLOURS)], thick)
    return out


@click.command()
@click.argument("outdir", type=click.Path(exists=True, file_okay=False))
@click.argument("page_image", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", "out", required=True, type=click.Path())
@click.option("--page", default=0, show_default=True)
@click.option("--width", default=1600, show_default=True, help="Width of the picture in px.")
def main(outdir, page_image, out, page, width):
    with open(os.path.join(outdir, "glyphs.json"), encoding="utf-8") as fh:
        manifest = json.load(fh)
    image = cv2.imread(page_image, cv2.IMREAD_GRAYSCALE)
    picture = overlay(manifest, image, page)
    scale = width / picture.shape[1]
    cv2.imwrite(out, cv2.resize(picture, (width, round(picture.shape[0] * scale)), interpolation=cv2.INTER_AREA))


if __name__ == "__main__":
    main()
