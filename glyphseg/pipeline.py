"""The extraction flow: ingest → detect → label → frames → segment → refine → vectorize → consensus → spacing
(then export).

`extract()` calls each stage's one entry function in turn; the records between them are in glyphseg.types
(Page → PageLayout → Labelling → Frames → Segmentation → Refined → outlines → Consensus → Spacing → Extraction). This module
only wires the stages, times them and reports progress; `glyphseg.export.export` writes the Extraction.
"""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence

from . import SAM2_INSTALL_HINT
from .consensus import consensus
from .detect import detect
from .faces import chosen_faces, faces
from .ingest import load_pages
from .label import MIN_SCORE, label
from .metrics import frames
from .refine import refine
from .segment import Segmenter, ThresholdSegmenter, segment
from .spacing import space
from .types import Extraction, Face, GlyphsegError, Page, Refined
from .vectorize import vectorize
from .workers import resolve_jobs


@dataclass
class ExtractOptions:
    dpi: float = 600
    pages: Optional[Sequence[int]] = None  # 0-based page selection
    max_pixels: Optional[int] = None  # pixel budget per page (None: ingest.DEFAULT_MAX_PIXELS)
    text: Optional[str] = None
    segmenter: str = "auto"  # auto | sam2 | threshold
    model: Optional[str] = None  # SAM2 checkpoint folder or hub id
    device: str = "cpu"
    dtype: str = "auto"
    family: str = "Specimen"
    style: Optional[str] = None  # None: "Regular", or "Italic" for a face that slants (`face_style`)
    tolerance: float = 2.0
    recognise: bool = True  # without a transcript, label glyphs by template matching
    min_score: float = MIN_SCORE  # ... and leave those recognition is less sure of unlabelled
    refine: bool = True  # check masks against the character's templates and repair them
    jobs: Optional[int] = None  # processes for the per-glyph stages; None: all available cores
    spacing: bool = True  # side bearings solved from all gaps (spacing.space); False: half of each gap
    tracking: Optional[float] = None  # em to take out of the spacing; None: the estimate, when it is clear
    consensus: bool = True  # with a transcript: one outline from all agreeing prints of a character
    faces: str = "all"  # which faces become fonts: all | main | 1-based numbers "1,3" (faces.faces orders them)
    initials: str = "element"  # decorated initials: "element" (listed, kept out of the fonts) | "glyph" (also kept
    #                            as a glyph of their line's face, W.initial)
    families: Sequence[str] = ()  # a family name per face (more faces: "<family> 2", "<family> 3" …)


MIN_TEXT_HEIGHT_PX = 12  # letters smaller than this on the page hold too few pixels for outlines or templates


class Progress:
    """Stage-by-stage progress on stderr (tqdm); silent when quiet."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet

    def note(self, message: str) -> None:
        if not self.quiet:
            print(f"glyphseg: {message}", file=sys.stderr)

    def bar(self, desc: str, total: int, unit: str = "glyph"):
        from tqdm import tqdm

        # Bars only on a terminal: in a log or a pipe their carriage returns are noise around real messages.
        return tqdm(total=total, desc=desc, unit=unit, disable=self.quiet or not sys.stderr.isatty(),
                    file=sys.stderr, leave=False, dynamic_ncols=True)


def make_segmenter(options: ExtractOptions, progress: Progress) -> Segmenter:
    choice = options.segmenter
    if choice == "threshold":
        return ThresholdSegmenter()
    if choice not in ("auto", "sam2"):
        raise GlyphsegError(f"--segmenter: unknown backend {choice!r} (auto, sam2, threshold)")
    try:
        from . import sam2
    except ImportError as e:
        if choice == "sam2":
            raise GlyphsegError(f"--segmenter sam2 needs torch and transformers ({e.name} is missing): "
                                f"{SAM2_INSTALL_HINT}") from None
        progress.note(f"SAM2 not installed ({SAM2_INSTALL_HINT}); using the threshold segmenter")
        return ThresholdSegmenter()
    if choice == "auto" and not sam2.checkpoint_available(options.model):
        progress.note("no SAM2 checkpoint found (see `glyphseg model info`); using the threshold segmenter")
        return ThresholdSegmenter()
    return sam2.Sam2Segmenter(options.model, device=options.device, dtype=options.dtype)


def _check_layouts(pages: Sequence[Page], layouts, prog: Progress, notes: List[str]) -> None:
    """Pages that do not look like specimens are set aside with a note; none left is an error; pages
    printed too small for their dpi get a note."""
    rejected = [(page, layout.rejected) for page, layout in zip(pages, layouts) if layout.rejected]
    if not any(layout.glyphs for layout in layouts):
        if rejected:
            page, why = rejected[0]
            raise GlyphsegError(f"{page.source} page {page.source_page + 1}: this page does not look like a specimen "
                                f"({why})")
        raise GlyphsegError("no glyphs found on the page(s): is this a specimen, and is the dpi right?")
    for page, why in rejected:
        prog.note(f"{page.source} page {page.source_page + 1} set aside: it does not look like a specimen ({why})")
    for page, layout in zip(pages, layouts):
        if layout.glyphs and layout.text_height < MIN_TEXT_HEIGHT_PX:
            notes.append(f"{page.source} page {page.source_page + 1}: letters are only {layout.text_height:.0f} px "
                         f"tall at {page.dpi:g} dpi; outlines and labels need more (use a higher --dpi or a finer "
                         "scan)")


def _counted(result, bar):
    bar.update(1)
    return result


@contextmanager
def _timed(timings: Dict[str, float], stage: str, add: bool = False):
    t = time.perf_counter()
    yield
    key = f"{stage}_s"
    timings[key] = (timings.get(key, 0.0) if add else 0.0) + time.perf_counter() - t


def extract(paths: Sequence[str], options: Optional[ExtractOptions] = None,
            progress: Optional[Progress] = None, pages: Optional[List[Page]] = None,
            segmenter: Optional[Segmenter] = None) -> Extraction:
    """Run the whole pipeline on files (or already loaded `pages`)."""
    opt = options or ExtractOptions()
    prog = progress or Progress(quiet=True)
    timings: Dict[str, float] = {}
    with _timed(timings, "ingest"):
        if pages is None:
            pages = load_pages(paths, dpi=opt.dpi, pages=opt.pages, max_pixels=opt.max_pixels)
    # An explicitly asked-for model is checked before detection, so a missing one is reported early.
    seg = segmenter or (make_segmenter(opt, prog) if opt.segmenter == "sam2" else None)
    with _timed(timings, "detect"), prog.bar("detect", len(pages), unit="page") as bar:
        layouts = [_counted(detect(page), bar) for page in pages]
    notes: List[str] = []
    _check_layouts(pages, layouts, prog, notes)
    with _timed(timings, "label"):
        labelling = label(layouts, pages, opt.text, recognise=opt.recognise, min_score=opt.min_score)
    with _timed(timings, "faces"):
        typefaces = faces(labelling, pages, labels_from_text=opt.text is not None,
                          keep_initials=opt.initials == "glyph")
        labelling, found = chosen_faces(labelling, typefaces, pages, opt.faces, name_unlabelled=opt.text is None)
    with _timed(timings, "label", add=True):  # the frames belong to the label stage's time, as before
        framed = frames(labelling, pages)
    seg = seg or make_segmenter(opt, prog)
    with prog.bar(f"segment ({seg.name})", len(framed.glyphs)) as bar:
        segmentation = segment(pages, labelling.layouts, framed.glyphs, seg, progress=bar.update)
    with _timed(timings, "refine"):
        refined = (refine(labelling.layouts, framed.glyphs, segmentation) if opt.refine
                   else Refined(glyphs=framed.glyphs, masks=segmentation.masks))
    with _timed(timings, "vectorize"), prog.bar("vectorize", len(refined.glyphs)) as bar:
        outlines = vectorize(refined.glyphs, refined.masks, labelling.layouts, opt.tolerance, progress=bar.update,
                             jobs=resolve_jobs(opt.jobs))
    glyphs, outlines, fonts = refined.glyphs, dict(outlines), []
    for k, face in enumerate(found):
        font, glyphs, outlines = _face_font(k, face, glyphs, outlines, refined.masks, labelling, framed, opt,
                                            timings)
        fonts.append(font)
    timings.update({k if k == "segment_s" else f"{segmentation.backend}_{k}": v
                    for k, v in segmentation.timings.items()}, segmenter=segmentation.backend)
    if not fonts:  # every glyph was set aside as no type: an empty font, as a one-face run without glyphs
        fonts = [Face(index=0, family=face_family(opt, 1), style=face_style(opt, framed.metrics),
                      metrics=framed.metrics)]
    main = fonts[0]
    if len(fonts) > 1:
        notes.append(f"{len(fonts)} faces found: " + "; ".join(
            f"{f.family} ({sum(g.face == f.index for g in glyphs)} glyphs, {', '.join(f'{v:g}' for v in f.sizes_pt)} pt)"
            for f in fonts))
    return Extraction(pages=pages, glyphs=glyphs, lines=[ln for lay in labelling.layouts for ln in lay.lines],
                      masks=refined.masks, outlines=outlines, metrics=main.metrics, family=main.family,
                      style=main.style, unicodes=main.unicodes, timings=timings,
                      notes=notes + labelling.notes + segmentation.notes, spacing=main.spacing,
                      space_width=main.space_width, kerning=main.kerning, tracking=main.tracking,
                      tracking_estimate=main.tracking_estimate, consensus=main.consensus, faces=fonts,
                      elements=typefaces.elements)


def face_family(opt: ExtractOptions, number: int) -> str:
    """Face `number` (1-based, as found)'s family: `families`' entry, else the family, "<family> 2" …"""
    if number - 1 < len(opt.families):
        return opt.families[number - 1]
    return opt.family if number == 1 else f"{opt.family} {number}"


def face_style(opt: ExtractOptions, metrics) -> str:
    """The style name: `style` when given, else "Italic" for a face that slants (an italic angle measured),
    "Regular" for an upright one."""
    return opt.style or ("Italic" if metrics.italic_angle else "Regular")


def _face_font(k, face, glyphs, outlines, masks, labelling, framed, opt, timings):
    """Face k's font: consensus outlines and spacing over its glyphs alone (a letter's prints and gaps in
    another face tell nothing of this one's)."""
    # a decorated initial kept as a glyph is no print of its letter: consensus and spacing take it as unlabelled
    initial_chars = {g.id: g.char for g in glyphs if g.face == k and g.initial}
    mine = [replace(g, char=None) if g.id in initial_chars else g for g in glyphs if g.face == k]
    fused, spacing_method, space_width, kerning, tracking, tracking_estimate = {}, {}, None, {}, 0.0, None
    # Prints are fused only when a transcript labelled them: recognised labels are not sure enough (l, I and 1
    # taken for one letter; measured on the blackletter pages: mean boundary distance 0.62 → 0.79 em/1000)
    if opt.consensus and opt.text:
        with _timed(timings, "consensus", add=True):
            agreed = consensus(mine, masks, outlines, labelling.layouts, opt.tolerance)
        mine, fused = agreed.glyphs, agreed.fused
        outlines.update(agreed.outlines)
    if opt.spacing:
        with _timed(timings, "spacing", add=True):
            spaced = space(mine, outlines, masks, tracking=opt.tracking)
        mine, spacing_method, space_width, kerning = spaced.glyphs, spaced.method, spaced.space_width, spaced.kerning
        tracking, tracking_estimate = spaced.tracking, spaced.tracking_estimate
        outlines.update(spaced.outlines)
    by_id = {g.id: replace(g, char=initial_chars[g.id]) if g.id in initial_chars else g for g in mine}
    glyphs = [by_id.get(g.id, g) for g in glyphs]
    font = Face(index=k, family=face_family(opt, face.number), style=face_style(opt, framed.face_metrics[k]),
                metrics=framed.face_metrics[k],
                unicodes=face.unicodes, spacing=spacing_method, space_width=space_width, kerning=kerning,
                tracking=tracking, tracking_estimate=tracking_estimate,
                consensus=fused, sizes_pt=face.found.sizes_pt, features=face.found.features)
    return font, glyphs, outlines
