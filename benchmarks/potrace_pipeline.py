"""The page-level baseline for speed: what one would script in an afternoon to trace a specimen page.

    python -m benchmarks.potrace_pipeline PAGE.png [PAGE.png …] -o OUTROOT

Per page: Otsu threshold (scikit-image), connected components (SciPy, 8-connected, specks under 6 px
dropped), and potrace (the Debian binary, default settings) on each component's bitmap, written as
OUTROOT/<page stem>/cNNNN.svg. No grouping (an i's dot is its own glyph), no labels, no UFO, no report:
it is the floor of what tracing a page costs, and glyphseg's speed is measured against it on the same pages
in the same run (benchmarks/throughput.py).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

MIN_AREA_PX = 6


def trace_page(path: str, outdir: str) -> int:
    """Trace one page's components into `outdir`; returns how many."""
    from PIL import Image
    from scipy import ndimage
    from skimage.filters import threshold_otsu

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from benchmarks.baselines import write_pbm

    gray = np.asarray(Image.open(path).convert("L"))
    ink = gray < threshold_otsu(gray)
    labels, _ = ndimage.label(ink, structure=np.ones((3, 3), bool))
    os.makedirs(outdir, exist_ok=True)
    count = 0
    with tempfile.TemporaryDirectory() as work:
        pbm = os.path.join(work, "c.pbm")
        for k, box in enumerate(ndimage.find_objects(labels), start=1):
            if box is None:
                continue
            component = labels[box] == k
            if component.sum() < MIN_AREA_PX:
                continue
            write_pbm(pbm, np.pad(component, 1))
            count += 1
            subprocess.run(["potrace", "-s", "-o", os.path.join(outdir, f"c{count:04d}.svg"), pbm], check=True,
                           timeout=60)
    return count


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pages", nargs="+")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args(argv)
    for page in args.pages:
        t = time.perf_counter()
        n = trace_page(page, os.path.join(args.output, os.path.splitext(os.path.basename(page))[0]))
        print(f"{page}: {n} components in {time.perf_counter() - t:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
