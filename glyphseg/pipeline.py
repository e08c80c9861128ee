"""The extraction pipeline: ingest → detect → label → segment → metrics → vectorize.

`extract()` returns an `Extraction` (plain data); `glyphseg.export` writes it. Each stage is its own
module; this one only wires them together, times them and reports progress.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np

from . import detect as detect_mod
from . import label as label_mod
from . import metrics as metrics_mod
from . import templates as templates_mod
from .ingest import load_pages
from .refine import refine_page
from .segment import Segmenter, ThresholdSegmenter, own_ink_mask
from .types import Extraction, GlyphsegError, Page
from .vectorize import TraceOptions, trace


@dataclass
class ExtractOptions:
    dpi: float = 600
    pages: Optional[Sequence[int]] = None  # 0-based page selection
    text: Optional[str] = None
    segmenter: str = "auto"  # auto | sam2 | threshold
    model: Optional[str] = None  # SAM2 checkpoint folder or hub id
    device: str = "cpu"
    dtype: str = "auto"
    family: str = "Specimen"
    style: str = "Regular"
    tolerance: float = 2.0
    recognise: bool = True  # without a transcript, label glyphs by template matching
    refine: bool = True  # check masks against the character's templates and repair them


LABEL_ROUNDS = 4  # labelling passes at most: two, plus one after each further round that joined split glyphs


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
                                "pip install 'glyphseg[sam2]'") from None
        progress.note("SAM2 not installed (pip install 'glyphseg[sam2]'); using the threshold segmenter")
        return ThresholdSegmenter()
    if choice == "auto" and not sam2.checkpoint_available(options.model):
        progress.note("no SAM2 checkpoint found (see `glyphseg model info`); using the threshold segmenter")
        return ThresholdSegmenter()
    return sam2.Sam2Segmenter(options.model, device=options.device, dtype=options.dtype)


def glyph_rasters(glyphs, detections) -> np.ndarray:
    """Each glyph's ink (its own components, antialiased edge kept) normalised to the template box."""
    by_page = {d.page: d for d in detections}
    return np.stack([templates_mod.normalise_raster(own_ink_mask(by_page[g.page].ink, g).soft) for g in glyphs])


def _join_split_glyphs(pages, detections, glyphs, em, lib, text=None, pairs=None) -> bool:
    """Join glyphs that grouping split, now that labels say what they are (glyphseg.label.rejoin_split_glyphs);
    with a transcript, by what the alignment left over; without, by recognising the pair joined."""
    recognised = templates_mod.recognition_judge(lib, _joined_describer(pages, detections, em), label_mod.match_costs)
    judge = recognised if text is None else label_mod.transcript_judge(
        glyphs, pairs, text, lib.topologies_of, templates_mod.topology, recognise_pair=recognised)
    return label_mod.rejoin_split_glyphs(detections, lib.topologies_of, templates_mod.topology, judge) > 0


def _joined_describer(pages, detections, em):
    """For recognising a pair of glyphs joined: the joined glyph's normalised raster and ink zone."""

    def describe(det, a, b):
        joined, extent = detect_mod.joined_glyph(det, a, b, gid="joined pair")
        zone = metrics_mod.extent_zone(det, joined, extent, em * pages[det.page].dpi)
        return glyph_rasters([joined], [det])[0], zone

    return describe


def extract(paths: Sequence[str], options: Optional[ExtractOptions] = None,
            progress: Optional[Progress] = None, pages: Optional[List[Page]] = None,
            segmenter: Optional[Segmenter] = None) -> Extraction:
    """Run the whole pipeline on files (or already loaded `pages`)."""
    opt = options or ExtractOptions()
    prog = progress or Progress(quiet=True)
    timings = {}
    notes: List[str] = []

    t = time.perf_counter()
    if pages is None:
        pages = load_pages(paths, dpi=opt.dpi, pages=opt.pages)
    timings["ingest_s"] = time.perf_counter() - t
    # An explicitly asked-for model is checked before detection, so a missing one is reported early.
    seg = segmenter or (make_segmenter(opt, prog) if opt.segmenter == "sam2" else None)

    t = time.perf_counter()
    detections = []
    with prog.bar("detect", len(pages), unit="page") as bar:
        for page in pages:
            detections.append(detect_mod.detect(page))
            bar.update(1)
    glyphs = [g for d in detections for g in d.glyphs]
    timings["detect_s"] = time.perf_counter() - t
    if not glyphs:
        raise GlyphsegError("no glyphs found on the page(s): is this a specimen, and is the dpi right?")

    t = time.perf_counter()
    em = metrics_mod.em_from_lines(pages, detections)
    if em is None:  # too few glyphs per line: fall back on text height
        em = max(d.text_height for d in detections) / metrics_mod.TALL_LETTER_EM / pages[0].dpi
    lib = templates_mod.library() if (opt.text or opt.recognise) else None
    rasters = glyph_rasters(glyphs, detections) if lib is not None else None
    if lib is not None:
        # With a transcript: align to it, the template shape cost guiding the alignment; without: recognise.
        text = label_mod.clean_text(opt.text) if opt.text else None
        columns = text if text is not None else lib.chars
        weight = templates_mod.SHAPE_WEIGHT if text is not None else 1.0  # recognise() weighs it itself
        shape = weight * lib.shape_costs(rasters, columns)
        # Label, join what the labels show split, re-estimate the body size from the labels, label again;
        # while joins happen, again (a join can leave a single character missing where there were several).
        for rnd in range(LABEL_ROUNDS):
            zones = metrics_mod.glyph_zones(glyphs, pages, detections, em)
            if text is not None:
                pairs = label_mod.label_with_text(glyphs, zones, text, extra_cost=shape)
            else:
                pairs = None
                best, prob, _ = templates_mod.recognise(shape, label_mod.match_costs(zones, "".join(columns)),
                                                        columns)
                for g, ch, p in zip(glyphs, best, prob):
                    g.char, g.score = ch, float(p)
            joined = rnd < LABEL_ROUNDS - 1 and _join_split_glyphs(pages, detections, glyphs, em, lib, text, pairs)
            if joined:
                glyphs = [g for d in detections for g in d.glyphs]
                shape = weight * lib.shape_costs(glyph_rasters(glyphs, detections), columns)
            em = metrics_mod.em_from_labels(glyphs, pages, detections) or em
            if rnd >= 1 and not joined:
                break
        if text is not None:
            labelled = sum(1 for g in glyphs if g.char is not None)
            if labelled < len(text):
                notes.append(f"{len(text) - labelled} character(s) of the text were not found on the page(s)")
            if labelled < len(glyphs):
                notes.append(f"{len(glyphs) - labelled} detected glyph(s) matched no character of the text")
    zones = metrics_mod.glyph_zones(glyphs, pages, detections, em)
    unicodes = label_mod.assign_names(glyphs, name_unlabelled=not opt.text)
    metrics_mod.layout(glyphs, pages, detections, em)
    font_metrics = metrics_mod.font_metrics(glyphs, zones)
    timings["label_s"] = time.perf_counter() - t

    seg = seg or make_segmenter(opt, prog)
    timings["segmenter"] = seg.name
    t = time.perf_counter()
    masks = {}
    with prog.bar(f"segment ({seg.name})", len(glyphs)) as bar:
        for page, det in zip(pages, detections):
            masks.update(seg.segment_page(page, det.ink, det.glyphs, progress=bar.update))
    timings["segment_s"] = time.perf_counter() - t

    t = time.perf_counter()
    if opt.refine:
        by_id = {g.id: g for g in glyphs}
        for det in detections:
            for gid, r in refine_page(det.ink, det.glyphs, masks).items():
                g = by_id[gid]
                g.refined, g.topology_ok = r.refined or gid in getattr(seg, "fixed", ()), r.topology_ok
    timings["refine_s"] = time.perf_counter() - t

    t = time.perf_counter()
    outlines = {}
    # Where the scan's edges are soft and noisy (ink spread, paper texture), the edge itself is uncertain
    # by more than the tolerance; fitting tighter than that only traces the noise. Sharp and mildly soft
    # scans (10–90 % edge width up to 2 px) keep the asked-for tolerance; beyond, it grows with the square
    # root of the edge width (measured: harsh specimens 4.1 → 1.8 × the font's points for −0.003 IoU).
    edge = {d.page: d.ink.edge_width for d in detections}
    with prog.bar("vectorize", len(glyphs)) as bar:
        for g in glyphs:
            if g.id in masks:
                tol = opt.tolerance * max(1.0, edge[g.page] / 2.0) ** 0.5
                outlines[g.id] = trace(masks[g.id], g, TraceOptions(tolerance=tol))
            bar.update(1)
    timings["vectorize_s"] = time.perf_counter() - t

    lines = [line for d in detections for line in d.lines]
    ex = Extraction(pages=pages, glyphs=glyphs, lines=lines, masks=masks, outlines=outlines, metrics=font_metrics,
                    family=opt.family, style=opt.style, unicodes=unicodes, timings=timings, notes=notes)
    return ex
