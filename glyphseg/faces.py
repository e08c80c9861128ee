"""Faces: which typeface each line is set in, and what on the page is no type at all (`faces`, the entry).

A specimen-book page shows several faces at several sizes among rules, ornaments, page numbers and
captions. After labelling, every line is measured in its own em (so a face at 10 and at 24 pt measures
alike): stem weight and contrast (stroke widths from the distance transform along the ink's skeleton),
slant (the shear that makes the vertical strokes sharpest), design width (labelled glyphs against
typical fonts), and how well the glyphs fit roman type's templates (blackletter and
scripts fit badly: what recognition says). Where two lines show the same characters, their prints (scaled to
one height) are compared directly; that tells apart faces whose statistics agree (two grotesques).

Lines are clustered by complete linkage on these distances, each feature in units of how much it varies
between lines of one face (FEATURE_SCALES): lines are one face while every pair of them is closer than
FACE_DISTANCE. (Complete, not average: most pairs of lines share no letters and their statistics are weak
evidence; one pair that shares letters and differs must keep two faces apart. On the 12 URW template fonts,
pairs of fonts: 59 of 66 found as exactly two faces, 98.6 % of lines right; one font's lines at two sizes
and two prints: one face in 23 of 24.) The same design
cut at two sizes differs optically (heavier, wider at small sizes): within the scales it stays one face,
beyond them it is given as two — the report shows both, and `--faces` chooses. A running foot or head (a
caption alone in the page's top or bottom margin, far smaller than the specimen: `is_running_line`) is set in
the book's text face, not the face the page shows: it is clustered only with other pages' running lines.

Non-type elements (rules, frames, ornaments: components detection found too large for glyphs, and pieces
set off beside them; page numbers: 1–3 glyphs alone in the top or bottom margin; decorated initials: a glyph far taller
than its line, or a hatched one, of parallel stripes of ink; diagrams: a drawing inside a
frame, whose pieces do not sit on a baseline, which detection already sets aside, before a transcript is aligned:
`glyphseg.detect.drawings`) are listed, not made into glyphs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from scipy.ndimage import distance_transform_edt
from skimage.measure import regionprops
from skimage.morphology import skeletonize

from . import templates as templates_mod
from .detect import join_glyphs
from .label import POOR_FIT, assign_names
from .metrics import SURE_LABEL, expected_zone, glyph_em_px, glyph_zones
from .segment import own_ink_mask
from .types import Element, FaceFound, Faces, Glyph, GlyphsegError, Labelling, Page, PageLayout, bbox_union

# How much each feature varies between lines of one face, the unit of distance: about the 90th percentile of
# the differences between lines of one font (capitals, lowercase, figures, sample words; 10 and 20 pt; clean
# and mild prints), measured on 12 of the template source fonts (URW base35), not on the benchmark's fonts.
FEATURE_SCALES = {
    "weight": 0.22,  # log of thick-stroke width per em (same font: p90 0.23; two fonts: median 0.28)
    "contrast": 0.3,  # log of thick ÷ thin stroke width (p90 0.23; two fonts: median 0.46)
    "slant": 6.0,  # degrees (italics 14°; a line of A V W in a roman can read as −14°)
    "width": 0.15,  # log of labelled letters' ink width against typical fonts' (p90 0.20: it carries each
    #                 line's em error)
    "fit": 0.10,  # median best correlation with roman type's templates (tells blackletter and scripts apart)
    "shape": 0.08,  # median Σ|a − b| ÷ Σ(a + b) of shared characters' prints at one height (p90 0.095;
    #                 two fonts: p10 0.19)
    "aspect": 0.04,  # median |log| of shared characters' width ratios at one height (p90 0.036; two fonts:
    #                  p10 0.054, median 0.14)
}
SHAPE_SHARE = 0.7  # the share of the distance that shared letters' shapes carry, where lines have them
FACE_DISTANCE = 2.0  # lines are one face while every pair of them is closer than this (complete linkage)
MIN_STYLE_GLYPHS = 4  # lines with fewer glyphs are too short to measure: they join the nearest line's face
SHAPE_PX = 40  # px per em of the shape comparison rasters
NUMBER_MARGIN = 0.12  # a page number sits in this share of the page's height at its top or bottom
CAPTION_SIZE = 0.4  # a line alone in that band at under this share of the page's body size is a running foot
#                     or head (Krause's sheets: 0.18–0.21 against their smallest sample text's 0.47)
SLANT_GAIN = 1.08  # a slant is taken when shearing sharpens the column profile by this factor
ORNAMENT_PIECE_LINE = 3  # a "line" of at most this many glyphs beside an ornament is a piece of it ...
ORNAMENT_REACH = 0.25  # ... when it lies within this share of the ornament's smaller side from its box
FRAME_REACH = 0.5  # ... or within this many text heights of a frame's border, and no larger than a letter
FRAME_PIECE = 1.5  # (text heights): a knot or a corner piece, not a word set close under the frame
INITIAL_HEIGHT = 1.8  # a decorated initial stands this many times taller than its line's tall letters
PATTERN_PIECES = 6  # ... or, as tall as them, holds at least this many stripes of ink (hatched) ...
PATTERN_SHARE = 3.0  # ... and this many times as many pieces as its line's other glyphs each ...
STRIPE_COHERENCE = 0.8  # ... its stripes running one way (1: parallel; a broken script letter's ~0.3-0.6)
READ_SHARE = 0.8  # without a transcript, recognition reads the page when it names this share of its other glyphs


def faces(labelling: Labelling, pages: Sequence[Page], labels_from_text: bool = True,
          library: Optional[templates_mod.TemplateLibrary] = None, keep_initials: bool = False) -> Faces:
    """The faces stage: every glyph's face (`Glyph.face`, faces ordered by glyph count, most first), and the
    page's non-type elements, whose glyphs leave the run.

    `labels_from_text`: the labels come from a transcript. Recognised labels compare shapes only between
    lines whose glyphs fit the templates well (on blackletter and Fraktur the few labels recognition keeps
    are often wrong, and two different letters compared as one would split a face). On a worn print, shapes
    weigh as little as its own repeated prints say they can (`shape_scales`).

    `keep_initials`: a decorated initial is listed as an element and also kept, one glyph (`Glyph.initial`), in
    its line's face, where `assign_names` names it apart from the letter (W.initial)."""
    layouts, elements = _set_aside_elements(labelling.layouts, pages, transcribed=labels_from_text,
                                            keep_initials=keep_initials)
    glyphs = [g for lay in layouts for g in lay.glyphs]
    keyed = _measurable_lines(layouts)
    if not glyphs:
        return Faces(layouts=layouts, glyphs=[], found=[], elements=elements)
    features = line_features(layouts, pages, labelling.em_inch, library, keyed)
    trusted = keyed if labels_from_text else {k: v for k, v in keyed.items()
                                              if features.get(k, {}).get("fit", 0.0) >= POOR_FIT}
    shapes, repeats = _shape_rasters(layouts, trusted)
    running = _running_lines(layouts, pages)
    scales = shape_scales(repeats)
    cluster = _cluster_lines([k for k in features if k not in running], features, shapes, scales)
    captions = sorted(running & set(features))
    if captions:  # captions are faces of their own, clustered among themselves
        captions = _cluster_lines(captions, features, shapes, scales)
        first = max(cluster.values(), default=-1) + 1
        cluster.update({k: first + c for k, c in captions.items()})
    # short lines (a page's lone figures, a word on its own) join the face of the nearest measured line
    all_lines = [(lay.page, ln.index) for lay in layouts for ln in lay.lines if ln.glyph_ids]
    # — a specimen's line, never a caption's: a caption is the book's face, not the page's
    for key in all_lines:
        if key not in cluster:
            near = [k for k in cluster if k not in running] or list(cluster)
            cluster[key] = cluster[_nearest_line(key, near, layouts)] if near else 0
    counts: Dict[int, int] = {}
    for g in glyphs:
        counts[cluster[(g.page, g.line)]] = counts.get(cluster[(g.page, g.line)], 0) + 1
    order = sorted(counts, key=lambda c: (-counts[c], c))
    index = {c: i for i, c in enumerate(order)}
    glyphs = [replace(g, face=index[cluster[(g.page, g.line)]]) for g in glyphs]
    by_id = {g.id: g for g in glyphs}
    layouts = [replace(lay, glyphs=[by_id[g.id] for g in lay.glyphs]) for lay in layouts]
    for c in order:
        layouts = sizes_from_shared_letters(layouts, [k for k in keyed if cluster.get(k) == c])
    found = []
    for c in order:
        lines = sorted(k for k in all_lines if cluster[k] == c)
        sizes = sorted({round(labelling.em_inch * 72 * _line(layouts, k).size, 1) for k in lines})
        measured = [features[k] for k in lines if k in features]
        summary = {name: round(float(np.median([f[name] for f in measured if name in f])), 4)
                   for name in FEATURE_SCALES if any(name in f for f in measured)}
        found.append(FaceFound(index=index[c], lines=lines, sizes_pt=sizes, features=summary,
                               glyphs=counts[c]))
    return Faces(layouts=layouts, glyphs=glyphs, found=found, elements=elements)


@dataclass
class ChosenFace:
    """A face that becomes a font: its number as found (1-based), what was found, its UFO names' unicodes."""

    number: int
    found: FaceFound
    unicodes: Dict[str, Optional[int]]


def parse_face_choice(choice: str) -> Optional[List[int]]:
    """`--faces`: "all" → None (every face), "main" → [1], "1,3" → [1, 3] (1-based, as the report numbers
    them).

    >>> parse_face_choice("all"), parse_face_choice("main"), parse_face_choice("2, 1")
    (None, [1], [1, 2])
    """
    choice = choice.strip().lower()
    if choice == "all":
        return None
    if choice == "main":
        return [1]
    try:
        numbers = sorted({int(v) for v in choice.split(",") if v.strip()})
    except ValueError:
        numbers = []
    if not numbers or numbers[0] < 1:
        raise GlyphsegError(f"--faces: {choice!r} is not all, main or face numbers such as 1,3")
    return numbers


def chosen_faces(labelling: Labelling, typefaces: Faces, pages: Sequence[Page], choice: str = "all",
                 name_unlabelled: bool = True) -> Tuple[Labelling, List[ChosenFace]]:
    """The labelling narrowed to the chosen faces (`--faces`), renumbered 0… in the order found, with UFO
    names given per face (each face is its own font: its first `a` is `a`)."""
    numbers = parse_face_choice(choice)
    found = typefaces.found
    if numbers is not None:
        missing = [n for n in numbers if n > len(found)]
        if missing:
            raise GlyphsegError(f"--faces: face {missing[0]} asked for, but {len(found)} face(s) were found")
        found = [f for f in found if f.index + 1 in numbers]
    new_index = {f.index: k for k, f in enumerate(found)}
    kept = [replace(g, face=new_index[g.face]) for g in typefaces.glyphs if g.face in new_index]
    named, chosen = {}, []
    for k, f in enumerate(found):
        face_glyphs, unicodes = assign_names([g for g in kept if g.face == k], name_unlabelled=name_unlabelled)
        named.update({g.id: g for g in face_glyphs})
        chosen.append(ChosenFace(number=f.index + 1, found=f, unicodes=unicodes))
    glyphs = [named[g.id] for g in kept]
    ids = set(named)
    layouts = [replace(lay, glyphs=[named[g.id] for g in lay.glyphs if g.id in ids],
                       lines=[replace(ln, glyph_ids=[i for i in ln.glyph_ids if i in ids]) for ln in lay.lines])
               for lay in typefaces.layouts]
    zones = glyph_zones(glyphs, pages, layouts, labelling.em_inch)
    unicodes = chosen[0].unicodes if chosen else {}
    return replace(labelling, layouts=layouts, glyphs=glyphs, zones=zones, unicodes=unicodes), chosen


# ----------------------------------------------------------------------------------------------------------
# measuring a line's style


def _layout(layouts: Sequence[PageLayout], page: int) -> PageLayout:
    return next(lay for lay in layouts if lay.page == page)


def _line(layouts: Sequence[PageLayout], key: Tuple[int, int]):
    return _layout(layouts, key[0]).lines[key[1]]


SIZE_TOLERANCE = 0.03  # lines of one face whose sizes differ by less than this are one size


def sizes_from_shared_letters(layouts: Sequence[PageLayout], keys: Sequence[Tuple[int, int]]) -> List[PageLayout]:
    """One face's lines at other sizes than its main one, sized again by the letters they share with it: the
    median ratio of the same characters' ink heights is exact, where an em from the zone table carries each
    character's typical proportions (±8 %)."""
    lines = {k: _line(layouts, k) for k in keys}
    if len({round(ln.size, 3) for ln in lines.values()}) < 2:
        return list(layouts)
    heights = {k: _char_heights(layouts, k) for k in keys}

    def same_size(a, b):
        return abs(lines[a].size / lines[b].size - 1) < SIZE_TOLERANCE

    # the anchor: the size the face shows most glyphs at
    anchor = max(keys, key=lambda k: sum(len(lines[a].glyph_ids) for a in keys if same_size(a, k)))
    same = [a for a in keys if same_size(a, anchor)]
    resized, done = {}, set(same)
    for k in keys:
        if k in done:
            continue
        group = [a for a in keys if a not in done and same_size(a, k)]  # the lines at k's size, sized as one
        done.update(group)
        ratios = [heights[g][c] / heights[a][c] for g in group for a in same for c in heights[g] if c in heights[a]]
        if len(ratios) >= 3:
            resized.update({g: lines[anchor].size * float(np.median(ratios)) for g in group})
    return [replace(lay, lines=[replace(ln, size=resized.get((lay.page, ln.index), ln.size)) for ln in lay.lines])
            for lay in layouts]


def _char_heights(layouts: Sequence[PageLayout], key: Tuple[int, int]) -> Dict[str, float]:
    """character → ink height (px) of its first labelled print on the line (letters and figures)."""
    lay = _layout(layouts, key[0])
    by_id = {g.id: g for g in lay.glyphs}
    out = {}
    for gid in _line(layouts, key).glyph_ids:
        g = by_id[gid]
        if g.char is not None and g.char.isalnum() and g.score >= SURE_LABEL and g.char not in out:
            x0, y0, x1, y1 = lay.extents[gid]
            out[g.char] = y1 - y0
    return out


def _measurable_lines(layouts: Sequence[PageLayout]) -> Dict[Tuple[int, int], List[Glyph]]:
    out = {}
    for lay in layouts:
        by_id = {g.id: g for g in lay.glyphs}
        for ln in lay.lines:
            members = [by_id[gid] for gid in ln.glyph_ids if gid in by_id]
            if len(members) >= MIN_STYLE_GLYPHS:
                out[(lay.page, ln.index)] = members
    return out


def line_features(layouts: Sequence[PageLayout], pages: Sequence[Page], em_inch: float,
                  library: Optional[templates_mod.TemplateLibrary] = None,
                  keyed: Optional[Dict[Tuple[int, int], List[Glyph]]] = None) -> Dict[Tuple[int, int], Dict[str, float]]:
    """(page, line) → style features of every line with at least MIN_STYLE_GLYPHS glyphs (`keyed`: those
    lines' glyphs, `_measurable_lines`), in its own em."""
    lib = library or templates_mod.library(blackletter=False)
    out = {}
    for key, members in (keyed if keyed is not None else _measurable_lines(layouts)).items():
        lay = _layout(layouts, key[0])
        em_px = glyph_em_px(lay, members[0], em_inch, pages[key[0]].dpi)
        f = stroke_features(lay, members, em_px)
        f["slant"] = slant_degrees(lay, members)
        f.update(_label_features(lay, members, em_px))
        costs = lib.shape_costs(templates_mod.glyph_rasters(members, [lay]), lib.chars)
        f["fit"] = float(np.median(1.0 - costs.min(axis=1)))
        out[key] = f
    return out


def _line_ink(lay: PageLayout, members: Sequence[Glyph]) -> Tuple[np.ndarray, int, int]:
    """The line's glyph ink (their own components only) as one boolean crop, and its page origin."""
    x0 = min(g.bbox[0] for g in members)
    y0 = min(g.bbox[1] for g in members)
    x1 = max(g.bbox[2] for g in members)
    y1 = max(g.bbox[3] for g in members)
    comps = lay.ink.components[y0:y1, x0:x1]
    labels = np.concatenate([np.asarray(g.components) for g in members])
    return np.isin(comps, labels), x0, y0


def stroke_features(lay: PageLayout, members: Sequence[Glyph], em_px: float) -> Dict[str, float]:
    """Stroke widths along the ink's skeleton (twice the distance to the paper): the thick strokes' width per
    em (weight) and thick ÷ thin (contrast), as logs.

    >>> from glyphseg.types import InkMap
    >>> comps = np.zeros((60, 60), np.int32); comps[10:50, 10:18] = 1; comps[10:13, 18:50] = 1
    >>> ink = InkMap(ink=(comps > 0).astype(np.float32), binary=comps > 0, components=comps)
    >>> lay = PageLayout(0, ink, [], [], 40.0, 0.0, {}, {})
    >>> f = stroke_features(lay, [Glyph("a", 0, (0, 0, 60, 60), (1,))], em_px=60.0)
    >>> round(math.exp(f["weight"]) * 60), round(math.exp(f["contrast"]), 1)
    (7, 2.3)
    """
    ink, _, _ = _line_ink(lay, members)
    if ink.sum() < 20:
        return {}
    skeleton = skeletonize(ink)
    widths = 2.0 * distance_transform_edt(ink)[skeleton] - 1.0  # a 3-px stroke's middle pixel is 2 px from paper
    if widths.size < 10:
        return {}
    thick, thin = np.percentile(widths, [80, 20])
    return {"weight": math.log(max(thick, 1.0) / em_px), "contrast": math.log(max(thick, 1.0) / max(thin, 1.0))}


def slant_degrees(lay: PageLayout, members: Sequence[Glyph], max_shear: float = 0.45) -> float:
    """The slant of the line's upright strokes in degrees (positive leaning right): the horizontal shear
    after which the ink's column profile is sharpest (its sum of squares largest)."""
    ink, _, _ = _line_ink(lay, members)
    ys, xs = np.nonzero(ink)
    if xs.size < 50:
        return 0.0
    step = max(1, xs.size // 200_000)  # bounded work on very long lines
    ys, xs = ys[::step], xs[::step]
    height = float(ys.max())

    def sharpness(shear: float) -> float:
        cols = np.round(xs + shear * (ys - height)).astype(np.int64)
        counts = np.bincount(cols - cols.min())
        return float(np.dot(counts, counts))

    shears = np.linspace(-max_shear, max_shear, 37)
    scores = [sharpness(s) for s in shears]
    best = int(np.argmax(scores))
    # upright unless a shear sharpens the strokes clearly: diagonal strokes (blackletter capitals, A V W)
    # sharpen a little at their own angle, italic stems a lot
    if scores[best] < SLANT_GAIN * sharpness(0.0):
        return 0.0
    return math.degrees(math.atan(shears[best]))


def _label_features(lay: PageLayout, members: Sequence[Glyph], em_px: float) -> Dict[str, float]:
    """Design width (log of labelled letters' ink width against typical fonts'), where the line has labelled
    letters enough. (Not the x-height: the em is itself estimated from letters' heights against typical fonts,
    which makes every face's x-height look typical.)"""
    out = {}
    widths = []
    for g in members:
        if g.char is None or not g.char.isalpha() or g.score < SURE_LABEL:
            continue
        x0, y0, x1, _ = lay.extents[g.id]
        typical = expected_zone(g.char)[2]
        if typical > 0.2:
            widths.append(math.log((x1 - x0) / em_px / typical))
    if len(widths) >= 3:
        out["width"] = float(np.median(widths))
    return out


def _shape_rasters(layouts, keyed) -> Tuple[Dict[Tuple[int, int], Dict[str, List[np.ndarray]]],
                                             List[Tuple[np.ndarray, np.ndarray]]]:
    """(page, line) → {character: its first PRINTS_COMPARED prints' ink, each scaled to SHAPE_PX tall}, for the
    labelled letters and figures of measurable lines; and the (first print, second print) of each character a
    line prints twice (what printing alone varies, `shape_scales`)."""
    out, repeats = {}, []
    for key, members in keyed.items():
        lay = _layout(layouts, key[0])
        rasters: Dict[str, List[np.ndarray]] = {}
        for g in members:
            if g.char is None or not g.char.isalnum() or g.score < SURE_LABEL:
                continue
            if len(rasters.get(g.char, ())) >= PRINTS_COMPARED or touches_other_ink(lay.ink, g):
                continue
            prints = rasters.setdefault(g.char, [])
            prints.append(height_raster(own_ink_mask(lay.ink, g).soft))
            if len(prints) == 2:
                repeats.append((prints[0], prints[1]))
        out[key] = rasters
    return out, repeats


def touches_other_ink(ink, g: Glyph) -> bool:
    """Whether the glyph's ink touches ink that is not its own: a letter cut out of touching letters (ff, fi at
    tight tracking) carries the cut and its neighbour's edge, so its print says more about the spacing than
    about the face.

    >>> from glyphseg.types import InkMap
    >>> comps = np.array([[1, 1, 2, 2, 0, 3]])
    >>> ink = InkMap(ink=(comps > 0).astype(np.float32), binary=comps > 0, components=comps)
    >>> [touches_other_ink(ink, Glyph(id=str(c), page=0, bbox=box, components=(c,)))
    ...  for c, box in ((1, (0, 0, 2, 1)), (3, (5, 0, 6, 1)))]
    [True, False]
    """
    h, w = ink.components.shape
    x0, y0, x1, y1 = max(g.bbox[0] - 1, 0), max(g.bbox[1] - 1, 0), min(g.bbox[2] + 1, w), min(g.bbox[3] + 1, h)
    comps = ink.components[y0:y1, x0:x1]
    own = np.isin(comps, g.components)
    near = cv2.dilate(own.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return bool(((comps > 0) & ~own & near).any())


PRINTS_COMPARED = 3  # prints of a character per line compared: the best-matching pair counts (one damaged,
#                      broken or mislabelled print does not make two lines of one face look unlike)
MIN_REPEATS = 8  # prints of one character twice on a line needed to measure how much printing varies
NOISE_DRAWS = 2000  # bootstrap draws per count of shared letters
NOISE_PERCENTILE = 99  # the percentile of one face's print noise taken as the unit (`shape_scales`)


def shape_scales(repeats: Sequence[Tuple[np.ndarray, np.ndarray]], max_shared: int = 12
                 ) -> Dict[int, Dict[str, float]]:
    """The units of the shape and aspect differences of two lines that share n letters (n → units, 3 … max_shared;
    more letters use max_shared's). FEATURE_SCALES' units were measured on clean and mild renders, where two
    prints of a letter are alike. A worn, broken or show-through scan prints one letter differently each time
    (Kant 1784: two prints on one line differ by 0.17, as much as two fonts on clean pages): there two lines of
    one face differ by print alone by what the median of n differences of two prints reaches at its 99th
    percentile — bootstrapped from the pages' own repeated prints, larger for fewer shared letters. (The 99th,
    not FEATURE_SCALES' 90th: complete linkage keeps a face together only while the worst of its lines' pairs
    stays close, and a page of 20 lines has 190 pairs; at the 90th, Kant's body text was two faces.) The wider
    of the two is the unit (the calibrated one holds a mild print's noise already); shapes then weigh as much as
    the print lets them.

    >>> a = np.zeros((4, 8)); a[:, 2:6] = 1; b = a.copy(); b[0, 2:6] = 0
    >>> shape_scales([(a, a)] * 8)[3] == {"shape": FEATURE_SCALES["shape"], "aspect": FEATURE_SCALES["aspect"]}
    True
    >>> noisy = shape_scales([(a, b)] * 8)
    >>> noisy[3]["shape"] >= noisy[12]["shape"] > FEATURE_SCALES["shape"]
    True
    """
    base = {"shape": FEATURE_SCALES["shape"], "aspect": FEATURE_SCALES["aspect"]}
    counts = range(3, max_shared + 1)
    if len(repeats) < MIN_REPEATS:
        return {n: dict(base) for n in counts}
    diffs = np.array([_print_difference(a, b) for a, b in repeats])
    rng = np.random.default_rng(0)  # deterministic: the same pages give the same faces
    out = {}
    for n in counts:
        drawn = diffs[rng.integers(0, len(diffs), size=(NOISE_DRAWS, n))]  # draws × n × (shape, aspect)
        high = np.percentile(np.median(drawn, axis=1), NOISE_PERCENTILE, axis=0)
        out[n] = {name: max(base[name], float(noise)) for name, noise in zip(("shape", "aspect"), high)}
    return out


def _print_difference(a: np.ndarray, b: np.ndarray) -> Tuple[float, float]:
    """Two prints at one height: Σ|a − b| ÷ Σ(a + b) (0: the same ink), and |log| of their width ratio."""
    return (float(np.abs(a - b).sum() / max(1e-6, (a + b).sum())),
            abs(math.log(_ink_width(a) / _ink_width(b))))


def height_raster(soft: np.ndarray) -> np.ndarray:
    """Ink scaled, aspect kept, to SHAPE_PX tall on a 2 × SHAPE_PX wide canvas, its ink centre in the middle:
    two prints of one character compare by design, whatever their size and however well their em was
    estimated."""
    ys, xs = np.nonzero(soft > 0.1)
    size = 2 * SHAPE_PX
    canvas = np.zeros((SHAPE_PX, size), np.float32)
    if ys.size == 0:
        return canvas
    crop = soft[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    scale = SHAPE_PX / crop.shape[0]
    w = int(min(size, max(1, round(crop.shape[1] * scale))))
    small = cv2.resize(crop, (w, SHAPE_PX), interpolation=cv2.INTER_AREA)
    cx = float((small.sum(axis=0) * np.arange(w)).sum() / max(1e-6, small.sum()))
    left = int(np.clip(round(size / 2 - cx), 0, size - w))
    canvas[:, left:left + w] = small
    return cv2.GaussianBlur(canvas, (0, 0), 1.0)


def _ink_width(raster: np.ndarray) -> int:
    cols = np.nonzero(raster.max(axis=0) > 0.3)[0]
    return int(cols.max() - cols.min() + 1) if cols.size else 1


def shape_difference(a: Dict[str, List[np.ndarray]], b: Dict[str, List[np.ndarray]]
                     ) -> Optional[Tuple[float, float, int]]:
    """For the characters two lines share (their prints, `_shape_rasters`): the median over characters of
    Σ|a − b| ÷ Σ(a + b) (0: the same ink) and of |log| of the width ratio at one height (a condensed cut against
    the normal one), each character's best-matching pair of prints counted, and how many they share; None when
    they share fewer than three.

    >>> o = np.zeros((4, 8)); o[:, 2:6] = 1; wide = np.zeros((4, 8)); wide[:, 1:7] = 1
    >>> shape_difference({c: [o] for c in "abc"}, {c: [wide, o] for c in "abc"})
    (0.0, 0.0, 3)
    """
    shared = [c for c in a if c in b]
    if len(shared) < 3:
        return None
    diffs = np.array([min((_print_difference(x, y) for x in a[c] for y in b[c]), key=lambda d: d[0])
                      for c in shared])
    return float(np.median(diffs[:, 0])), float(np.median(diffs[:, 1])), len(shared)


# ----------------------------------------------------------------------------------------------------------
# clustering lines into faces


def line_distance(fa: Dict[str, float], fb: Dict[str, float], shape: Optional[Tuple[float, ...]],
                  scales: Optional[Dict[str, float]] = None) -> float:
    """How unlike two lines' styles are: the RMS of the scaled differences of the features both have; where
    they show the same characters, their shapes' difference weighs SHAPE_SHARE of it (it alone tells apart
    two grotesques whose statistics agree: on the template fonts, one font's lines differ in shape by at most
    0.13, two fonts' by 0.19 at their 10th percentile; the statistics overlap more).

    >>> a = {"weight": -2.3, "slant": 0.0}
    >>> bold_italic = {"weight": -1.6, "slant": 14.0}
    >>> line_distance(a, bold_italic, None) > FACE_DISTANCE > line_distance(a, a, (0.03, 0.01, 5))
    True
    """
    terms = [((fa[k] - fb[k]) / s) ** 2 for k, s in FEATURE_SCALES.items() if k in fa and k in fb]
    stats = sum(terms) / len(terms) if terms else 0.0
    if shape is None:
        return math.sqrt(stats)
    scales = scales or FEATURE_SCALES
    shape_term = (shape[0] / scales["shape"]) ** 2 + (shape[1] / scales["aspect"]) ** 2
    return math.sqrt((1 - SHAPE_SHARE) * stats + SHAPE_SHARE * shape_term) if terms else math.sqrt(shape_term)


def _cluster_lines(keys, features, shapes, scales: Optional[Dict[int, Dict[str, float]]] = None
                   ) -> Dict[Tuple[int, int], int]:
    if len(keys) < 2:
        return {k: 0 for k in keys}
    n = len(keys)
    dist = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            shape = shape_difference(shapes.get(keys[i], {}), shapes.get(keys[j], {}))
            unit = scales[min(shape[2], max(scales))] if scales and shape else None
            dist[i, j] = dist[j, i] = line_distance(features[keys[i]], features[keys[j]], shape, unit)
    condensed = dist[np.triu_indices(n, 1)]
    if condensed.max() <= FACE_DISTANCE:
        # complete linkage's last merge is at the largest distance: every line is one face. The common case
        # (one face per page) is answered without importing scipy.cluster, a quarter of a second a process
        return {k: 0 for k in keys}
    from scipy.cluster.hierarchy import fcluster, linkage

    labels = fcluster(linkage(condensed, method="complete"), t=FACE_DISTANCE, criterion="distance")
    return {k: int(c) - 1 for k, c in zip(keys, labels)}


def _running_lines(layouts: Sequence[PageLayout], pages: Sequence[Page]) -> set:
    """(page, line) of every running foot or head (`is_running_line`)."""
    out = set()
    for lay in layouts:
        by_id = {g.id: g for g in lay.glyphs}
        for ln in lay.lines:
            members = [by_id[gid] for gid in ln.glyph_ids if gid in by_id]
            if members and is_running_line(members, pages[lay.page], lay):
                out.add((lay.page, ln.index))
    return out


def _nearest_line(key, measured, layouts) -> Tuple[int, int]:
    """The measured line nearest a short one: same page first, then by baseline distance."""
    base = _line(layouts, key).baseline_offset
    return min(measured, key=lambda k: (k[0] != key[0], abs(_line(layouts, k).baseline_offset - base)))


# ----------------------------------------------------------------------------------------------------------
# what is on the page but no type


def _set_aside_elements(layouts: Sequence[PageLayout], pages: Sequence[Page], transcribed: bool = False,
                        keep_initials: bool = False) -> Tuple[List[PageLayout], List[Element]]:
    """Detection's large components as rules, frames and ornaments; page numbers and decorated initials
    taken out of the glyphs. A line of a few glyphs, none of them named (no character of the transcript, or,
    without one, none that recognition accepts) and none less tall than the page's letters, on a page whose
    other lines the labels name (`_reads_other_lines`: a fleuron or a vignette on a line of its own beside the
    text, not a stray dot, nor a page's one letter that the alignment left unlabelled), is an ornament.
    Returns the layouts without them and the elements. With `keep_initials`, each initial stays as one glyph
    (its pieces joined), marked `initial`."""
    out, elements = [], []
    for lay in layouts:
        elements.extend(lay.elements)
        page = pages[lay.page]
        leave: Dict[str, str] = {}
        initials: List[List[Glyph]] = []
        by_id = {g.id: g for g in lay.glyphs}
        for ln in lay.lines:
            members = [by_id[gid] for gid in ln.glyph_ids if gid in by_id]
            if not members:
                continue
            if _is_page_number(members, page, lay):
                leave.update({g.id: "number" for g in members})
                continue
            if (len(members) <= ORNAMENT_PIECE_LINE and all(g.char is None for g in members)
                    and min(g.height for g in members) >= lay.text_height  # not a stray dot or speck
                    and _reads_other_lines(lay, ln.index, transcribed)):  # beside the text
                leave.update({g.id: "ornament" for g in members})
                continue
            # pieces of an ornament beside it (a lozenge, a leaf): alone on their "line", or at its end, set
            # far off from its letters
            ordered = sorted(members, key=lambda g: g.bbox[0])
            far = 1.5 * float(np.median([g.height for g in members]))
            for k, g in enumerate(ordered):
                gaps = [ordered[k + 1].bbox[0] - g.bbox[2]] if k + 1 < len(ordered) else []
                gaps += [g.bbox[0] - ordered[k - 1].bbox[2]] if k > 0 else []
                alone = len(members) <= ORNAMENT_PIECE_LINE or min(gaps) > far
                if alone and (any(_beside(g.bbox, e.bbox) for e in lay.elements if e.kind == "ornament")
                              or max(g.width, g.height) <= FRAME_PIECE * lay.text_height
                              and any(_on_frame(g.bbox, e.bbox, FRAME_REACH * lay.text_height)
                                      for e in lay.elements if e.kind == "frame")):
                    leave[g.id] = "ornament"
            if all(g.id in leave for g in members):
                continue
            first = min(members, key=lambda g: g.bbox[0])
            others = [g.height for g in members if g is not first]
            # the line's tall letters (capitals, ascenders), not its median: a line of punctuation is mostly low
            tall = len(others) >= 3 and first.height > INITIAL_HEIGHT * float(np.percentile(others, 90))
            initial = [first] if tall else patterned_initial(ordered, lay.ink.components)
            if initial:  # listed once, as one element, however many pieces it is (none of them an ornament)
                elements.append(Element(kind="initial", bbox=bbox_union([g.bbox for g in initial]), page=lay.page))
                initials.append(initial)
                for g in initial:
                    leave.pop(g.id, None)
        for gid, kind in leave.items():
            elements.append(Element(kind=kind, bbox=by_id[gid].bbox, page=lay.page))
        gone = set(leave)
        for pieces in initials:
            if keep_initials:
                lay = _kept_initial(lay, pieces)  # one glyph: the rest join its first piece
            else:
                gone.update(g.id for g in pieces)
        if gone:
            lines = [replace(ln, glyph_ids=[gid for gid in ln.glyph_ids if gid not in gone]) for ln in lay.lines]
            lay = replace(lay, glyphs=[g for g in lay.glyphs if g.id not in gone], lines=lines)
        out.append(lay)
    return out, _merged_numbers(elements)


def _kept_initial(lay: PageLayout, pieces: Sequence[Glyph]) -> PageLayout:
    """The layout with an initial's pieces joined into its first (`detect.join_glyphs`: ink, box and extent),
    marked `initial`, with the character the first named piece has."""
    for g in pieces[1:]:
        keep = next(k for k in lay.glyphs if k.id == pieces[0].id)
        lay = join_glyphs(lay, keep, g)
    char = next((g.char for g in pieces if g.char is not None), None)
    score = max((g.score for g in pieces if g.char == char), default=pieces[0].score)
    return replace(lay, glyphs=[replace(g, char=char, score=score, initial=True) if g.id == pieces[0].id else g
                                for g in lay.glyphs])


def patterned_initial(ordered: Sequence[Glyph], components: np.ndarray) -> List[Glyph]:
    """The glyphs that make a hatched initial at the start of a line (`ordered` left to right; `components` the
    page's ink component labels), or []: the first glyph and the fragments or unnamed glyphs of several pieces
    after it that overlap its columns (a hatched letter's stripes are separate pieces of ink, which detection
    may leave as several glyphs), together at least PATTERN_PIECES stripes (pieces at least twice as long as
    wide) running one way (`stripe_coherence` at least STRIPE_COHERENCE), PATTERN_SHARE times as many pieces
    as the line's other glyphs hold each (median), as tall as its tall letters and no wider than a letter. A
    solid letter is 1-3 pieces (an ä 3); a script's thin strokes broken by a worn print are more, but they
    run every way (a broken G of Femke Klaver: 4 of 7 pieces stripes, coherence 0.37). (Krause 1922 sheet 3:
    the hatched W of "Wir würden" is 9 pieces in two glyphs, all stripes, coherence 0.96; the rest of its line
    1-3 pieces each.)

    >>> comps = np.zeros((100, 400), np.int32)
    >>> for k in range(8):  # eight parallel diagonal stripes: a hatched W
    ...     for t in range(60):
    ...         comps[20 + t, 5 + 10 * k + t // 3: 9 + 10 * k + t // 3] = k + 1
    >>> def glyph(n, x0, x1, labels, char=None):
    ...     return Glyph(n, 0, (x0, 0, x1, 100), tuple(labels), char=char)
    >>> line = [glyph("W1", 0, 40, [1, 2]), glyph("W2", 10, 110, range(3, 9))] + [
    ...     glyph(c, 120 + 60 * k, 170 + 60 * k, [20 + k], c) for k, c in enumerate("irwue")]
    >>> [g.id for g in patterned_initial(line, comps)]
    ['W1', 'W2']
    >>> patterned_initial([glyph("H", 0, 60, [30, 31, 32], "H")] + line[2:], comps)
    []
    >>> patterned_initial([glyph("j", 0, 40, [40, 41], "j"), glyph("i", 30, 60, [42, 43], "i"),
    ...                    glyph("n", 50, 90, [44], "n"), glyph("x", 85, 120, [45], "x")] + line[3:], comps)
    []
    """
    if len(ordered) < 4:
        return []
    tall = float(np.percentile([g.height for g in ordered], 90))
    lead = [ordered[0]]
    left, right = ordered[0].bbox[0], ordered[0].bbox[2]
    for g in ordered[1:]:
        # over its columns, or a fragment (under half as tall as the line's letters) within a letter's width;
        # a fragment, or itself of several pieces, not a named letter: a script's tight letters, or the pieces
        # a joined word was cut into, overlap each other's columns (j i n x), each of one or two pieces
        fragment = g.height < 0.5 * tall
        if (not (g.bbox[0] < right or fragment and g.bbox[2] <= left + 2 * tall)
                or not fragment and (g.char is not None or len(g.components) < 3)):
            break
        lead.append(g)
        right = max(right, g.bbox[2])
    rest = ordered[len(lead):]
    if len(rest) < 3 or right - left > 2 * tall:  # a letter wide at most (a W: 1.5-1.8 times its height)
        return []
    pieces = sum(len(g.components) for g in lead)
    if pieces < max(PATTERN_PIECES, PATTERN_SHARE * float(np.median([len(g.components) for g in rest]))):
        return []
    top, bottom = min(g.bbox[1] for g in lead), max(g.bbox[3] for g in lead)
    if bottom - top < 0.9 * float(np.percentile([g.height for g in rest], 90)):
        return []
    crop = components[top:bottom, left:right]
    labels = [c for g in lead for c in g.components]
    stripes, coherence = stripe_coherence(np.where(np.isin(crop, labels), crop, 0), min_area=(0.05 * tall) ** 2)
    return lead if stripes >= PATTERN_PIECES and coherence >= STRIPE_COHERENCE else []


def stripe_coherence(labels: np.ndarray, min_area: float = 0.0) -> Tuple[int, float]:
    """(how many of the labelled pieces are stripes — at least twice as long as wide, `min_area` px or more —,
    how much they run one way: the length of the mean of their orientations as unit vectors of doubled angle,
    weighted by area; 1 when all are parallel, near 0 when they run every way).

    >>> grid = np.zeros((20, 20), np.int32)
    >>> grid[2:4, 2:18], grid[8:10, 2:18], grid[14:16, 2:18] = 1, 2, 3  # three level bars
    >>> n, r = stripe_coherence(grid); n, round(r, 2)
    (3, 1.0)
    >>> grid[2:18, 2:4] = 4  # and an upright one across them
    >>> n, r = stripe_coherence(grid); n, r < 0.6
    (4, True)
    """
    props = [p for p in regionprops(labels) if p.area >= min_area and p.axis_minor_length > 0
             and p.axis_major_length >= 2 * p.axis_minor_length]
    if not props:
        return 0, 0.0
    area = np.array([p.area for p in props], float)
    doubled = np.exp(2j * np.array([p.orientation for p in props]))
    return len(props), float(abs(np.sum(area * doubled)) / area.sum())


def _reads_other_lines(lay: PageLayout, line: int, transcribed: bool) -> bool:
    """The labels name the page's other lines: with a transcript, any of their glyphs (the alignment labels
    the text it holds); without one, READ_SHARE of them (recognition rejects what fits no template, so a
    fleuron is left unnamed on a page it reads, while on a page it cannot read, a blackletter sheet whose
    templates it lacks, an unnamed glyph says nothing)."""
    others = [g.char is not None for g in lay.glyphs if g.line != line]
    if transcribed:
        return any(others)
    return bool(others) and float(np.mean(others)) >= READ_SHARE


def _beside(box, element_box, reach: float = ORNAMENT_REACH) -> bool:
    """The box touches the element's box grown by `reach` of its smaller side."""
    x0, y0, x1, y1 = element_box
    return _touches(box, element_box, reach * min(x1 - x0, y1 - y0))


def _touches(box, element_box, grow: float) -> bool:
    x0, y0, x1, y1 = element_box
    return box[0] < x1 + grow and box[2] > x0 - grow and box[1] < y1 + grow and box[3] > y0 - grow


def _on_frame(box, frame_box, reach: float) -> bool:
    """The box lies within `reach` pixels of the frame's border (a corner piece, a knot on its side): a frame's
    ink is its border, and what it frames — words, a line of a specimen's sample — lies inside its box, so its box
    grown by a share of its size, as `_beside` grows an ornament's, holds whole lines of type (Krause sheet 2:
    the sample words in and under its frame were set aside as ornament).

    >>> frame = (100, 100, 900, 500)
    >>> _on_frame((95, 300, 120, 330), frame, 20.0), _on_frame((400, 300, 480, 360), frame, 20.0)
    (True, False)
    >>> _on_frame((400, 560, 480, 620), frame, 20.0)  # a word under the frame
    False
    """
    x0, y0, x1, y1 = frame_box
    inside = box[0] > x0 + reach and box[2] < x1 - reach and box[1] > y0 + reach and box[3] < y1 - reach
    return _touches(box, frame_box, reach) and not inside


def _is_page_number(members: Sequence[Glyph], page: Page, lay: PageLayout) -> bool:
    """1–3 glyphs alone in the top or bottom margin band of the page: no other line's glyphs share that band.
    (Labels are not asked: without a transcript recognition reads a lone 0 as o as readily.)"""
    return len(members) <= 3 and _alone_in_margin(members, page, lay)


def is_running_line(members: Sequence[Glyph], page: Page, lay: PageLayout) -> bool:
    """A running foot or head (a caption: the publisher, the sheet's title and number): a line of
    MIN_STYLE_GLYPHS or more alone in the top or bottom margin band, set at under CAPTION_SIZE of the size of
    the page's other lines (median). It is set in the book's text face, not the face the page shows, and is
    never clustered with the page's specimen lines (only with other pages' running lines)."""
    if len(members) < MIN_STYLE_GLYPHS or not _alone_in_margin(members, page, lay):
        return False
    others = [ln.size for ln in lay.lines if ln.glyph_ids and ln.index != members[0].line]
    return _line([lay], (lay.page, members[0].line)).size < CAPTION_SIZE * float(np.median(others))


def _alone_in_margin(members: Sequence[Glyph], page: Page, lay: PageLayout) -> bool:
    """The line lies in the page's top or bottom margin band (NUMBER_MARGIN) and no other line's glyphs
    share that band beside it."""
    # the outermost line, below (or above) a text block of its own: a specimen of one or two lines has none
    others = [ln for ln in lay.lines if ln.glyph_ids and ln.index != members[0].line]
    if len(others) < 2:
        return False
    y0 = min(g.bbox[1] for g in members)
    y1 = max(g.bbox[3] for g in members)
    band = NUMBER_MARGIN * page.height
    if not (y1 < band or y0 > page.height - band):
        return False
    ids = {g.id for g in members}
    top, bottom = (0, band) if y1 < band else (page.height - band, page.height)
    return not any(g.id not in ids and g.bbox[3] > top and g.bbox[1] < bottom
                   and min(g.bbox[3], y1) - max(g.bbox[1], y0) > 0 for g in lay.glyphs)


def _merged_numbers(elements: List[Element]) -> List[Element]:
    """One element per page number, not one per figure."""
    out: List[Element] = []
    for e in elements:
        last = out[-1] if out else None
        if (e.kind == "number" and last is not None and last.kind == "number" and last.page == e.page
                and abs(last.bbox[1] - e.bbox[1]) < (e.bbox[3] - e.bbox[1])):
            b = last.bbox
            out[-1] = replace(last, bbox=(min(b[0], e.bbox[0]), min(b[1], e.bbox[1]),
                                          max(b[2], e.bbox[2]), max(b[3], e.bbox[3])))
        else:
            out.append(e)
    return out
