"""Ingest: PDF pages and image scans → grayscale `Page`s with their resolution.

PDFs are rasterized in-process with pypdfium2 (no system poppler; measured ~4× faster than pdf2image).
"""
from __future__ import annotations

import os
from typing import Iterable, List, Optional, Sequence

import numpy as np
from PIL import Image, UnidentifiedImageError

from .types import GlyphsegError, Page

IMAGE_SUFFIXES = {".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp"}

# Pillow refuses images beyond ~89 Mpx as a "decompression bomb"; a 1200 dpi A3 scan is ~250 Mpx.
Image.MAX_IMAGE_PIXELS = 600_000_000


def parse_page_ranges(spec: Optional[str]) -> Optional[List[int]]:
    """'1,3-5' → [0, 2, 3, 4] (0-based). None or '' → None (all pages).

    >>> parse_page_ranges("1,3-5")
    [0, 2, 3, 4]
    """
    if not spec:
        return None
    pages: List[int] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                a, b = part.split("-", 1)
                lo, hi = int(a), int(b)
                if lo < 1 or hi < lo:
                    raise ValueError
                pages.extend(range(lo - 1, hi))
            else:
                n = int(part)
                if n < 1:
                    raise ValueError
                pages.append(n - 1)
        except ValueError:
            raise GlyphsegError(f"--pages: cannot read {part!r}; use page numbers from 1, e.g. '1,3-5'") from None
    return sorted(set(pages))


def _to_gray(img: Image.Image) -> np.ndarray:
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        # Transparent pixels are paper.
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    if img.mode == "1":
        return np.where(np.asarray(img), 255, 0).astype(np.uint8)
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(img, dtype=np.float64)
        hi = a.max() if a.max() > 0 else 1.0
        return np.clip(a / hi * 255.0, 0, 255).astype(np.uint8)
    return np.asarray(img.convert("L"), dtype=np.uint8).copy()


def load_image(path: str, default_dpi: float, start_index: int = 0) -> List[Page]:
    """Load a scan (every frame of a multi-page TIFF). Uses the file's own dpi when it records one."""
    try:
        img = Image.open(path)
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise GlyphsegError(f"{path}: not a readable image ({type(e).__name__}: {e})") from None
    pages = []
    frame = 0
    while True:
        dpi = default_dpi
        info_dpi = img.info.get("dpi")
        if info_dpi:
            try:
                d = float(info_dpi[0])
                # Files often record a meaningless 72 or 1 dpi; trust only plausible scan resolutions.
                if 100 <= d <= 4800:
                    # PNG stores pixels per metre: 600 dpi comes back as 599.9994
                    dpi = round(d) if abs(d - round(d)) < 0.01 else d
            except (TypeError, ValueError, IndexError):
                pass
        pages.append(Page(index=start_index + frame, source=os.path.basename(path), dpi=dpi, image=_to_gray(img),
                          source_page=frame))
        frame += 1
        try:
            img.seek(frame)
        except EOFError:
            break
    return pages


def _render_exact(page, scale: float) -> np.ndarray:
    """Rasterize a PDF page at exactly `scale` pixels per point, grayscale.

    PdfPage.render stretches the page onto a bitmap of ceil(size × scale) pixels, which scales the content
    by up to one pixel over the page; outlines mapped back through the manifest would drift by that much.
    Rendering through a matrix keeps the scale exact (the last row/column is partly off the page).
    """
    import ctypes
    import math

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    w_pt, h_pt = page.get_size()
    width, height = math.ceil(w_pt * scale), math.ceil(h_pt * scale)
    bitmap = pdfium.PdfBitmap.new_native(width, height, pdfium_c.FPDFBitmap_Gray)
    bitmap.fill_rect((255, 255, 255, 255), 0, 0, width, height)
    matrix = pdfium_c.FS_MATRIX(scale, 0, 0, scale, 0, 0)
    clip = pdfium_c.FS_RECTF(0, 0, width, height)
    pdfium_c.FPDF_RenderPageBitmapWithMatrix(bitmap.raw, page.raw, ctypes.byref(matrix), ctypes.byref(clip),
                                             pdfium_c.FPDF_ANNOT | pdfium_c.FPDF_GRAYSCALE)
    arr = bitmap.to_numpy()
    if arr.ndim == 3:
        arr = arr[..., 0]
    return np.ascontiguousarray(arr, dtype=np.uint8)


def load_pdf(path: str, dpi: float, page_numbers: Optional[Sequence[int]] = None, start_index: int = 0) -> List[Page]:
    """Rasterize PDF pages at `dpi` with pypdfium2."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as e:
        raise GlyphsegError(f"{path}: not a readable PDF ({e})") from None
    try:
        n = len(doc)
        wanted = list(range(n)) if page_numbers is None else list(page_numbers)
        missing = [p + 1 for p in wanted if p >= n]
        if missing:
            raise GlyphsegError(f"{path}: has {n} page(s); no page {missing[0]}")
        pages = []
        for k, pno in enumerate(wanted):
            arr = _render_exact(doc[pno], dpi / 72.0)
            pages.append(Page(index=start_index + k, source=os.path.basename(path), dpi=float(dpi),
                              image=np.ascontiguousarray(arr, dtype=np.uint8), source_page=pno))
        return pages
    finally:
        doc.close()


def load_pages(paths: Iterable[str], dpi: float = 600, pages: Optional[Sequence[int]] = None) -> List[Page]:
    """Load every input in order; `pages` (0-based) selects PDF pages, or TIFF frames of multi-page scans."""
    result: List[Page] = []
    for path in paths:
        if not os.path.exists(path):
            raise GlyphsegError(f"{path}: no such file")
        if os.path.isdir(path):
            raise GlyphsegError(f"{path}: is a folder, not a PDF or image")
        with open(path, "rb") as fh:
            head = fh.read(5)
        if head == b"%PDF-" or path.lower().endswith(".pdf"):
            loaded = load_pdf(path, dpi, pages, start_index=len(result))
        else:
            loaded = load_image(path, dpi, start_index=len(result))
            if pages is not None:
                loaded = [p for p in loaded if p.source_page in set(pages)]
                for i, p in enumerate(loaded):
                    p.index = len(result) + i
        result.extend(loaded)
    if not result:
        raise GlyphsegError("no pages to process")
    return result
