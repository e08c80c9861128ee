"""Ingest: PDF pages and image scans → grayscale `Page`s with their resolution.

PDFs are rasterized in-process with pypdfium2 (no system poppler; measured ~4× faster than pdf2image).

A run has a pixel budget (`max_pixels`, default 100 Mpx for all its pages together), checked page by page from
the image header or the PDF page size *before* anything is decoded or rendered, so a small file that claims a
huge page, or a long document, ends in one clear error instead of gigabytes of memory. Why 100 Mpx: the
pipeline holds every page's gray image, ink and component maps until export (10 bytes a pixel) and peaks at
~18 bytes a pixel while detecting, so 100 Mpx (two A4 pages at 1200 dpi … eleven at 300 dpi) stays within
~2 GB (measured: 1.8 GB for a 100 Mpx page). Damaged files end in `GlyphsegError`.
"""
from __future__ import annotations

import math
import os
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image, UnidentifiedImageError

from .types import GlyphsegError, Page

IMAGE_SUFFIXES = {".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp"}

DEFAULT_MAX_PIXELS = 100_000_000  # per run, all pages together: ~2 GB of memory (see above)
MIN_PAGE_PIXELS = 8  # a page narrower or lower than this holds no glyph

# Pillow refuses images beyond ~89 Mpx as a "decompression bomb"; glyphseg checks its own (larger, settable)
# budget from the header instead (`load_image`); Pillow's stays as a backstop for frames it checks itself.
Image.MAX_IMAGE_PIXELS = 2 * DEFAULT_MAX_PIXELS


class PageRanges:
    """A page selection such as '1,3-5,10-999999999', kept as merged 0-based ranges: never expanded into a
    list, so a huge range costs nothing; `pages_of(n)` clips it to a document of n pages.

    Iterating, `len`, `in` and comparing with a list behave like the sorted list of 0-based page numbers.
    """

    def __init__(self, ranges: Iterable[Tuple[int, int]], named: Iterable[int] = ()):
        merged: List[Tuple[int, int]] = []
        for lo, hi in sorted(ranges):  # half-open [lo, hi)
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        self.ranges = merged
        # the first page of every part of the spec: a part that starts beyond the document is an error
        self.named = sorted(set(named)) or [lo for lo, _ in merged]

    def __iter__(self) -> Iterator[int]:
        for lo, hi in self.ranges:
            yield from range(lo, hi)

    def __len__(self) -> int:
        return sum(hi - lo for lo, hi in self.ranges)

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __contains__(self, page) -> bool:
        return any(lo <= page < hi for lo, hi in self.ranges)

    def __eq__(self, other) -> bool:
        if isinstance(other, PageRanges):
            return self.ranges == other.ranges
        if isinstance(other, (list, tuple, range)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return "PageRanges(" + ",".join(f"{lo + 1}" if hi == lo + 1 else f"{lo + 1}-{hi}"
                                        for lo, hi in self.ranges) + ")"

    def first_missing(self, n: int) -> Optional[int]:
        """The first part of the selection that starts beyond a document of n pages (0-based), else None."""
        return next((p for p in self.named if p >= n), None)

    def pages_of(self, n: int) -> Iterator[int]:
        """The selected pages of a document of n pages (ranges clipped to it), in order."""
        for lo, hi in self.ranges:
            if lo >= n:
                break
            yield from range(lo, min(hi, n))


def read_transcript(path: str) -> str:
    """A transcript file's text (--text-file, a batch input's sidecar <stem>.txt); a one-line GlyphsegError
    when it cannot be read or holds no characters."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as e:
        raise GlyphsegError(f"{path}: cannot read the text ({e})") from None
    check_transcript(text, path)
    return text


def check_transcript(text: str, what: str) -> None:
    """An empty transcript would silently leave every glyph out: refuse it in one line."""
    if not text.strip():
        raise GlyphsegError(f"{what}: no characters, only whitespace (give the characters shown, or leave the text "
                            "out to recognise them)")


def parse_page_ranges(spec: Optional[str]) -> Optional[PageRanges]:
    """'1,3-5' → pages [0, 2, 3, 4] (0-based, as a `PageRanges`). None or '' → None (all pages).

    >>> parse_page_ranges("1,3-5") == [0, 2, 3, 4]
    True
    """
    if not spec:
        return None
    ranges, named = [], []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                a, b = part.split("-", 1)
                lo, hi = int(a), int(b)
            else:
                lo = hi = int(part)
            if lo < 1 or hi < lo:
                raise ValueError
        except ValueError:
            raise GlyphsegError(f"--pages: cannot read {part!r}; use page numbers from 1, e.g. '1,3-5'") from None
        ranges.append((lo - 1, hi))
        named.append(lo - 1)
    if not ranges:
        raise GlyphsegError(f"--pages: cannot read {spec!r}; use page numbers from 1, e.g. '1,3-5'")
    return PageRanges(ranges, named)


def _as_ranges(pages: Optional[Sequence[int]]) -> Optional[PageRanges]:
    if pages is None or isinstance(pages, PageRanges):
        return pages
    pages = sorted(set(int(p) for p in pages))
    return PageRanges([(p, p + 1) for p in pages])


def _megapixels(n: float) -> str:
    if n < 1e5:
        return f"{n:,.0f} px"
    return f"{n / 1e6:,.0f} Mpx" if n >= 1e7 else f"{n / 1e6:.1f} Mpx"


class PixelBudget:
    """What is left of a run's pixel budget; every page is charged before it is decoded or rendered."""

    def __init__(self, total: int):
        self.total, self.used = int(total), 0

    def charge(self, path: str, what: str, width: float, height: float, hint: str = "--max-pixels raises it") -> None:
        """Refuse a page before decoding or rendering it: no size, or over what is left of the budget."""
        if not (math.isfinite(width) and math.isfinite(height)) or width < MIN_PAGE_PIXELS or height < MIN_PAGE_PIXELS:
            raise GlyphsegError(f"{path}: {what} is {width:g} × {height:g} px: too small to hold glyphs "
                                f"(at least {MIN_PAGE_PIXELS} × {MIN_PAGE_PIXELS})")
        size = width * height
        if size > self.total:
            raise GlyphsegError(f"{path}: {what} is {width:.0f} × {height:.0f} px ({_megapixels(size)}), over "
                                f"the pixel budget of {_megapixels(self.total)} ({hint})")
        if self.used + size > self.total:
            raise GlyphsegError(f"{path}: {what} would bring the pages to {_megapixels(self.used + size)}, over the "
                                f"run's pixel budget of {_megapixels(self.total)} (select fewer pages with --pages, "
                                f"or {hint})")
        self.used += size


def check_page_size(path: str, what: str, width: float, height: float, max_pixels: int,
                    hint: str = "--max-pixels raises it") -> None:
    """Refuse one page before decoding or rendering it: no size, or over `max_pixels`."""
    PixelBudget(max_pixels).charge(path, what, width, height, hint)


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


def _open_image(path: str) -> Image.Image:
    """Image.open: lazy, it reads the header only. Pillow's own bomb check is off while opening, because
    `load_image` checks each frame's size against glyphseg's budget before decoding it."""
    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        return Image.open(path)
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def load_image(path: str, default_dpi: float, start_index: int = 0, frames: Optional[Sequence[int]] = None,
               max_pixels: int = DEFAULT_MAX_PIXELS, budget: Optional[PixelBudget] = None) -> List[Page]:
    """Load a scan (every frame of a multi-page TIFF, or the `frames` selected). Uses the file's own dpi when
    it records one. Each frame's size is charged to the `budget` (default: `max_pixels`) before it is decoded."""
    budget = budget or PixelBudget(max_pixels)
    frames = _as_ranges(frames)
    if frames is not None and not frames:
        return []
    try:
        img = _open_image(path)
    except Exception as e:  # noqa: BLE001 - a damaged file can make Pillow raise nearly anything
        raise GlyphsegError(f"{path}: not a readable image ({type(e).__name__}: {e})") from None
    pages = []
    frame = 0
    try:
        with img:
            while True:
                if frames is None or frame in frames:
                    what = "the image" if frame == 0 else f"frame {frame + 1}"
                    budget.charge(path, what, img.size[0], img.size[1])
                    img.load()
                    pages.append(Page(index=start_index + len(pages), source=os.path.basename(path),
                                      dpi=_image_dpi(img, default_dpi), image=_to_gray(img), source_page=frame))
                frame += 1
                if frames is not None and frame >= frames.ranges[-1][1]:
                    break  # no selected frame left
                try:
                    img.seek(frame)
                except EOFError:
                    break
    except GlyphsegError:
        raise
    except Image.DecompressionBombError:
        raise GlyphsegError(f"{path}: frame {frame + 1} is over the pixel budget of {_megapixels(budget.total)} "
                            "(--max-pixels)") from None
    except MemoryError:
        raise GlyphsegError(f"{path}: frame {frame + 1} does not fit in memory (--max-pixels lowers the budget)") \
            from None
    except Exception as e:  # noqa: BLE001 - truncated or corrupt data surfaces while decoding
        raise GlyphsegError(f"{path}: not a readable image ({type(e).__name__}: {e})") from None
    return pages


def _image_dpi(img: Image.Image, default_dpi: float) -> float:
    info_dpi = img.info.get("dpi")
    if info_dpi:
        try:
            d = float(info_dpi[0])
            # Files often record a meaningless 72 or 1 dpi; trust only plausible scan resolutions.
            if 100 <= d <= 4800:
                # PNG stores pixels per metre: 600 dpi comes back as 599.9994
                return round(d) if abs(d - round(d)) < 0.01 else d
        except (TypeError, ValueError, IndexError):
            pass
    return default_dpi


def _render_exact(page, scale: float, width: int, height: int) -> np.ndarray:
    """Rasterize a PDF page at exactly `scale` pixels per point, grayscale, onto a width × height bitmap.

    PdfPage.render stretches the page onto a bitmap of ceil(size × scale) pixels, which scales the content
    by up to one pixel over the page; outlines mapped back through the manifest would drift by that much.
    Rendering through a matrix keeps the scale exact (the last row/column is partly off the page).
    """
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

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


def load_pdf(path: str, dpi: float, page_numbers: Optional[Sequence[int]] = None, start_index: int = 0,
             max_pixels: int = DEFAULT_MAX_PIXELS, budget: Optional[PixelBudget] = None) -> List[Page]:
    """Rasterize PDF pages at `dpi` with pypdfium2. Each page's rendered size (its size in points × dpi / 72)
    is charged to the `budget` (default: `max_pixels`) before it is rendered."""
    import pypdfium2 as pdfium

    budget = budget or PixelBudget(max_pixels)
    selection = _as_ranges(page_numbers)
    try:
        doc = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as e:
        raise GlyphsegError(f"{path}: not a readable PDF ({e})") from None
    try:
        n = len(doc)
        if n < 1:
            raise GlyphsegError(f"{path}: the PDF has no pages")
        if selection is not None:
            missing = selection.first_missing(n)
            if missing is not None:
                raise GlyphsegError(f"{path}: has {n} page(s); no page {missing + 1}")
        wanted = range(n) if selection is None else selection.pages_of(n)
        scale = dpi / 72.0
        pages = []
        for pno in wanted:
            try:
                page = doc[pno]
            except pdfium.PdfiumError as e:
                raise GlyphsegError(f"{path}: page {pno + 1} is damaged ({str(e).rstrip('.')})") from None
            try:
                w_pt, h_pt = page.get_size()
                width, height = w_pt * scale, h_pt * scale
                budget.charge(path, f"page {pno + 1} at {dpi:g} dpi", width, height,
                              hint="use a lower --dpi, or --max-pixels to raise the budget")
                arr = _render_exact(page, scale, math.ceil(width), math.ceil(height))
            except pdfium.PdfiumError as e:
                raise GlyphsegError(f"{path}: page {pno + 1} cannot be rendered ({str(e).rstrip('.')})") from None
            except MemoryError:
                raise GlyphsegError(f"{path}: page {pno + 1} at {dpi:g} dpi does not fit in memory "
                                    "(try a lower --dpi)") from None
            finally:
                page.close()
            pages.append(Page(index=start_index + len(pages), source=os.path.basename(path), dpi=float(dpi),
                              image=arr, source_page=pno))
        return pages
    finally:
        doc.close()


def load_pages(paths: Iterable[str], dpi: float = 600, pages: Optional[Sequence[int]] = None,
               max_pixels: Optional[int] = DEFAULT_MAX_PIXELS) -> List[Page]:
    """Load every input in order; `pages` (0-based, a list or a `PageRanges`) selects PDF pages, or TIFF
    frames of multi-page scans. `max_pixels` is the run's pixel budget, all pages together (None: the
    default)."""
    if not (isinstance(dpi, (int, float)) and math.isfinite(dpi) and dpi > 0):
        raise GlyphsegError(f"--dpi {dpi}: use a resolution above 0")
    max_pixels = DEFAULT_MAX_PIXELS if max_pixels is None else int(max_pixels)
    if max_pixels < 1:
        raise GlyphsegError(f"--max-pixels {max_pixels}: use a budget of at least 1 pixel")
    selection = _as_ranges(pages)
    budget = PixelBudget(max_pixels)
    result: List[Page] = []
    for path in paths:
        if not os.path.exists(path):
            raise GlyphsegError(f"{path}: no such file")
        if os.path.isdir(path):
            raise GlyphsegError(f"{path}: is a folder, not a PDF or image")
        try:
            with open(path, "rb") as fh:
                head = fh.read(5)
        except OSError as e:
            raise GlyphsegError(f"{path}: cannot read it ({e.strerror})") from None
        if head == b"%PDF-" or path.lower().endswith(".pdf"):
            loaded = load_pdf(path, dpi, selection, start_index=len(result), budget=budget)
        else:
            loaded = load_image(path, dpi, start_index=len(result), frames=selection, budget=budget)
        result.extend(loaded)
    if not result:
        raise GlyphsegError("no pages to process")
    return result
