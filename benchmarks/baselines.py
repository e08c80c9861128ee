"""The tools people use today, run on the same inputs in the same run.

- masks: Otsu and Sauvola binarization (scikit-image) of the page;
- outlines: potrace (the Debian binary) on the very glyph masks glyphseg produced, as PBM, with its default
  settings and a text-tuned setting; its SVG is parsed and mapped back onto the page;
- detection and labels: `tesseract IMAGE stdout -l LANG --dpi DPI makebox` (one box per recognised symbol).
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

POTRACE_SETTINGS = {
    "default": [],
    "text": ["--alphamax", "0.6", "--opttolerance", "0.1"],
}


# ---------------------------------------------------------------------------------------------- masks

def sauvola_window(dpi: float) -> int:
    """A tenth of an inch, odd: 61 px at 600 dpi, 31 px at 300 dpi (skimage's default 15 hollows the thick
    strokes of large type; the window has to span a stroke)."""
    w = int(round(dpi / 10.0))
    return max(15, w | 1)


def otsu_mask(gray: np.ndarray) -> np.ndarray:
    from skimage.filters import threshold_otsu

    return gray < threshold_otsu(gray)


def sauvola_mask(gray: np.ndarray, dpi: float) -> np.ndarray:
    from skimage.filters import threshold_sauvola

    return gray < threshold_sauvola(gray, window_size=sauvola_window(dpi), k=0.2)


# ---------------------------------------------------------------------------------------------- potrace

def write_pbm(path: str, mask: np.ndarray) -> None:
    """Binary PBM (P4): 1 = black = ink."""
    mask = np.asarray(mask, bool)
    h, w = mask.shape
    with open(path, "wb") as fh:
        fh.write(b"P4\n%d %d\n" % (w, h))
        fh.write(np.packbits(mask, axis=1).tobytes())


_TRANSFORM = re.compile(r'transform="translate\(([-\d.eE+]+),([-\d.eE+]+)\)\s*scale\(([-\d.eE+]+),([-\d.eE+]+)\)"')
_PATH = re.compile(r'<path[^>]*\sd="([^"]*)"', re.S)


def parse_potrace_svg(svg: str, x0: float = 0.0, y0: float = 0.0):
    """potrace's SVG → a fontTools RecordingPen in page pixels (x right, y down; pixel (r, c) covers
    [c, c+1) × [r, r+1), as in glyphseg), shifted by the crop origin (x0, y0)."""
    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.pens.transformPen import TransformPen
    from fontTools.svgLib.path import parse_path

    m = _TRANSFORM.search(svg)
    tx, ty, sx, sy = (float(v) for v in m.groups()) if m else (0.0, 0.0, 1.0, 1.0)
    rec = RecordingPen()
    pen = TransformPen(rec, (sx, 0, 0, sy, tx + x0, ty + y0))
    for d in _PATH.findall(svg):
        parse_path(" ".join(d.split()), pen)
    return rec


class PotraceResult:
    def __init__(self, recording, seconds: float):
        self.recording = recording
        self.seconds = seconds

    def draw(self, pen):
        self.recording.replay(pen)

    def drawPoints(self, point_pen):  # noqa: N802 - fontTools protocol
        from fontTools.pens.pointPen import SegmentToPointPen

        self.recording.replay(SegmentToPointPen(point_pen))


def potrace_glyph(mask: np.ndarray, x0: int, y0: int, args: Sequence[str], workdir: str) -> PotraceResult:
    """Trace one binary glyph mask (a crop at page offset x0, y0) with the potrace binary."""
    fd, pbm = tempfile.mkstemp(suffix=".pbm", dir=workdir)
    os.close(fd)
    try:
        # one pixel of paper around the crop, as potrace expects a bitmap with a background
        write_pbm(pbm, np.pad(np.asarray(mask, bool), 1))
        t = time.perf_counter()
        proc = subprocess.run(["potrace", "-s", *args, "-o", "-", pbm], capture_output=True, text=True, timeout=60)
        seconds = time.perf_counter() - t
        if proc.returncode != 0:
            raise RuntimeError(f"potrace failed: {proc.stderr.strip()[:200]}")
        return PotraceResult(parse_potrace_svg(proc.stdout, x0 - 1, y0 - 1), seconds)
    finally:
        os.unlink(pbm)


def potrace_version() -> str:
    try:
        out = subprocess.run(["potrace", "--version"], capture_output=True, text=True, timeout=30).stdout
        return out.splitlines()[0].split(". Copyright")[0].strip()
    except (OSError, subprocess.SubprocessError, IndexError):
        return "missing"


# ---------------------------------------------------------------------------------------------- tesseract

def parse_makebox(text: str, page_height: int) -> List[Tuple[str, Tuple[float, float, float, float]]]:
    """tesseract box lines `SYMBOL left bottom right top page` (origin bottom-left) → (symbol, page box
    x0, y0, x1, y1 with y down)."""
    out = []
    for line in text.splitlines():
        parts = line.rsplit(" ", 5)
        if len(parts) != 6:
            continue
        sym, left, bottom, right, top, _page = parts
        try:
            l, b, r, t = int(left), int(bottom), int(right), int(top)
        except ValueError:
            continue
        out.append((sym, (float(l), float(page_height - t), float(r), float(page_height - b))))
    return out


def tesseract_boxes(image_path: str, page_height: int, lang: str = "eng", dpi: Optional[float] = None,
                    threads: Optional[int] = None) -> Tuple[List[Tuple[str, tuple]], float]:
    cmd = ["tesseract", image_path, "stdout", "-l", lang]
    if dpi:
        cmd += ["--dpi", str(int(round(dpi)))]
    cmd.append("makebox")
    env = dict(os.environ)
    if threads:
        env["OMP_THREAD_LIMIT"] = str(threads)
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    seconds = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"tesseract failed: {proc.stderr.strip()[:200]}")
    return parse_makebox(proc.stdout, page_height), seconds


def tesseract_version() -> str:
    try:
        out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).splitlines()[0].strip()
    except (OSError, subprocess.SubprocessError, IndexError):
        return "missing"


def binarize_all(gray: np.ndarray, dpi: float) -> Dict[str, Tuple[np.ndarray, float]]:
    out = {}
    for name, fn in (("otsu", lambda: otsu_mask(gray)), ("sauvola", lambda: sauvola_mask(gray, dpi))):
        t = time.perf_counter()
        mask = fn()
        out[name] = (mask, time.perf_counter() - t)
    return out
