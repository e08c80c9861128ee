"""Real scans with ground truth, from ../shared/data/real/ beside the checkout (see its MANIFEST.md).

- DIBCO 2011 machine-printed (PR1–PR4): page ink mask F-measure and PSNR against the pixel ground truth
  (gt/*.bmp, ink = black), for glyphseg's page mask, Otsu and Sauvola.
- Kant 1784 (Berlinische Monatsschrift, blackletter): glyph detection (IoU ≥ 0.5) and labels against the
  PAGE-XML glyphs; glyphseg gets the glyph text in reading order as --text; tesseract reads the page itself.
"""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
from PIL import Image

PAGE_NS = "{http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15}"
DIBCO_DPI = 300  # the DIBCO PNGs record no resolution; the CLI equivalent is --dpi 300
DIBCO_IMAGES = ("PR1", "PR2", "PR3", "PR4")
KANT_TIF = "kant1784/page-0017.tif"
KANT_XML = "kant1784/page-0017.glyphs.xml"


def default_real_dir() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "shared", "data", "real"))


def dibco_cases(real_dir: str) -> List[Tuple[str, str, str]]:
    """(name, image path, gt path) for the DIBCO images present."""
    out = []
    for name in DIBCO_IMAGES:
        img = os.path.join(real_dir, "dibco2011-printed", "images", f"{name}.png")
        gt = os.path.join(real_dir, "dibco2011-printed", "gt", f"{name}.bmp")
        if os.path.exists(img) and os.path.exists(gt):
            out.append((name, img, gt))
    return out


def load_gray(path: str) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L"))


def load_gt_ink(path: str) -> np.ndarray:
    """DIBCO ground truth: ink = black."""
    return np.asarray(Image.open(path).convert("L")) < 128


@dataclass
class PageGlyph:
    text: str
    bbox: Tuple[float, float, float, float]  # x0, y0, x1, y1, end exclusive
    region: str


def read_page_glyphs(xml_path: str) -> List[PageGlyph]:
    """PAGE-XML glyphs in reading order: regions by the ReadingOrder index, then document order inside each
    region. Coords points are pixel positions, so the box ends one past the largest."""
    root = ET.parse(xml_path).getroot()
    page = root.find(f"{PAGE_NS}Page")
    regions = {r.get("id"): r for r in page.iter(f"{PAGE_NS}TextRegion")}
    order = []
    ro = page.find(f"{PAGE_NS}ReadingOrder")
    if ro is not None:
        refs = sorted(ro.iter(f"{PAGE_NS}RegionRefIndexed"), key=lambda e: int(e.get("index")))
        order = [r.get("regionRef") for r in refs if r.get("regionRef") in regions]
    order += [rid for rid in regions if rid not in order]
    out = []
    for rid in order:
        for g in regions[rid].iter(f"{PAGE_NS}Glyph"):
            coords = g.find(f"{PAGE_NS}Coords")
            uni = g.find(f"{PAGE_NS}TextEquiv/{PAGE_NS}Unicode")
            if coords is None or uni is None or not (uni.text or "").strip():
                continue
            pts = np.array([[float(v) for v in p.split(",")] for p in coords.get("points").split()])
            out.append(PageGlyph(uni.text.strip(), (pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max() + 1,
                                                    pts[:, 1].max() + 1), rid))
    return out


def kant_paths(real_dir: str) -> Optional[Tuple[str, str]]:
    tif, xml = os.path.join(real_dir, KANT_TIF), os.path.join(real_dir, KANT_XML)
    return (tif, xml) if os.path.exists(tif) and os.path.exists(xml) else None
