"""Detect: page → ink map → glyphs (grouped ink components) → lines in reading order.

Coordinates: page pixels, x right, y down; pixel (r, c) covers the square [c, c+1) × [r, r+1).
"Line frame" coordinates are the page rotated by the skew angle a (positive when lines rise to the right):
x' = x·cos a − y·sin a runs along the lines, y' = x·sin a + y·cos a runs down across them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .types import Element, Glyph, InkMap, Line, Page, PageLayout, bbox_union


@dataclass
class DetectOptions:
    speck_fraction: float = 0.08  # specks: area below (fraction × text height)²
    max_glyph_size: float = 5.0  # rules, borders, ornaments: larger than this × text height
    max_skew_deg: float = 5.0
    # A page that is not a specimen (a photograph, noise, a halftone) breaks into tens of thousands of
    # components; a dense page of book text has ~4,000 (Leptonica's feyn.tif at 300 dpi: 4,305 components,
    # 3,718 glyphs; the Krause sheets and the Kant title page: 291–1,626 components). Past these the page is
    # set aside at once instead of spending minutes labelling noise.
    max_components: int = 50_000
    max_glyphs: int = 5_000


# ----------------------------------------------------------------------------------------------------------
# binarisation


def normalise_ink(gray: np.ndarray) -> np.ndarray:
    """Illumination-normalised ink coverage: 0 on paper, 1 on solid ink, antialiased edges in between.

    The paper level is estimated locally (so uneven lighting and yellowed paper are flattened) by normalised
    convolution of the pixels Otsu calls paper; this fills in under ink of any size, unlike a max filter.

    >>> g = np.full((40, 40), 200, np.uint8); g[10:30, 18:22] = 20
    >>> ink = normalise_ink(g); float(ink[20, 20]), float(ink[2, 2])
    (1.0, 0.0)
    """
    # Memory: a page of N pixels peaks at ~9 N bytes here (the gray page, two float32 planes): the steps run
    # in place on those planes, with the same float32 arithmetic as the plain expressions in the comments.
    g = gray.astype(np.float32)
    h, w = g.shape
    scale = min(1.0, 512.0 / max(h, w))
    small = cv2.resize(g, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    t, _ = cv2.threshold(small.astype(np.uint8), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    paper = (small > t).astype(np.float32)
    if paper.sum() < 1:
        return np.zeros_like(g)
    sigma = max(small.shape) / 24.0
    num = cv2.GaussianBlur(small * paper, (0, 0), sigma)
    den = cv2.GaussianBlur(paper, (0, 0), sigma)
    global_paper = float(np.median(small[paper > 0]))
    bg_small = np.where(den > 0.05, num / np.maximum(den, 1e-6), global_paper)
    bg = cv2.resize(bg_small.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    np.maximum(bg, 1.0, out=bg)
    darkness = np.subtract(bg, g, out=g)  # darkness = clip((bg - g) / bg, 0, 1)
    np.divide(darkness, bg, out=darkness)
    del bg
    np.clip(darkness, 0.0, 1.0, out=darkness)
    # Full-ink level: a high percentile of the darkness of clearly-inked pixels (printed ink is rarely black).
    inked = darkness[darkness > 0.35]
    level = float(np.percentile(inked, 85)) if inked.size > 50 else 1.0
    del inked
    level = max(level, 0.2)
    ink = np.divide(darkness, level, out=darkness)  # ink = clip(darkness / level, 0, 1)
    np.clip(ink, 0.0, 1.0, out=ink)
    # A soft scan (focus, ink spread in the optics) lowers the peak of hairlines, so their 0.5 level
    # thins them; an unsharp mask restores the peak and leaves the 0.5 level of straight edges in place.
    # Sharp (antialiased) images are left alone: it would only add ringing there.
    if edge_width(ink) > 1.2:
        detail = cv2.GaussianBlur(ink, (0, 0), 1.0)  # ink = clip(ink + (ink - blur(ink)), 0, 1)
        np.subtract(ink, detail, out=detail)
        np.add(ink, detail, out=ink)
        del detail
        np.clip(ink, 0.0, 1.0, out=ink)
    # Sensor/paper noise makes the 0.5 level ragged; a light blur only where noise is measurable.
    noise = _noise_sigma(ink)
    if noise > 0.02:
        ink = cv2.GaussianBlur(ink, (0, 0), 0.8)
    return ink.astype(np.float32, copy=False)


def edge_width(ink: np.ndarray) -> float:
    """Mean width in px of the ink edges' 10–90 % transition: ~0.65 for a sharp antialiased render,
    ~2 for a scan blurred by σ ≈ 0.9 px. Measured as partial-coverage pixels per binary boundary pixel."""
    b = (ink >= 0.5).view(np.uint8)
    inner = cv2.erode(b, np.ones((3, 3), np.uint8))
    perimeter = np.count_nonzero(np.subtract(b, inner, out=inner))
    del b, inner
    if perimeter == 0:
        return 0.0
    # counted in bands of rows: a whole-page boolean temporary per test costs a byte a pixel each
    bands = np.array_split(ink, max(1, ink.shape[0] // 512))
    partial = sum(np.count_nonzero((band > 0.1) & (band < 0.9)) for band in bands)
    return float(partial) / perimeter


def _noise_sigma(ink: np.ndarray) -> float:
    """Robust noise estimate on near-paper pixels (median absolute Laplacian)."""
    lap = cv2.Laplacian(ink, cv2.CV_32F)
    sel = lap[ink < 0.25]
    del lap
    np.abs(sel, out=sel)
    if sel.size < 100:
        return 0.0
    return float(np.median(sel, overwrite_input=True)) / 0.6745 / math.sqrt(20.0)


def ink_map(page: Page) -> InkMap:
    ink = normalise_ink(page.image)
    binary = ink >= 0.5
    n, labels = cv2.connectedComponents(binary.view(np.uint8), connectivity=8)
    return InkMap(ink=ink, binary=binary, components=labels.astype(np.int32, copy=False), edge_width=edge_width(ink))


# ----------------------------------------------------------------------------------------------------------
# geometry helpers


def _rotate(x, y, angle_deg):
    a = math.radians(angle_deg)
    return x * math.cos(a) - y * math.sin(a), x * math.sin(a) + y * math.cos(a)


def _unrotate(xr, yr, angle_deg):
    a = math.radians(angle_deg)
    return xr * math.cos(a) + yr * math.sin(a), -xr * math.sin(a) + yr * math.cos(a)


def estimate_skew(xs: np.ndarray, ys: np.ndarray, text_height: float, max_deg: float = 5.0) -> float:
    """Skew angle (degrees, positive when lines rise to the right) that makes glyph bottoms line up.

    Maximises the sharpness (sum of squared counts) of the histogram of the rotated bottoms.
    """
    if len(xs) < 3:
        return 0.0

    def sharpness(angle, bin_size):
        _, yr = _rotate(xs, ys, angle)
        hist = np.bincount(((yr - yr.min()) / bin_size).astype(int))
        return float((hist.astype(np.float64) ** 2).sum())

    def sharpest(angles, bin_size):
        # Ties (a short line fits many angles equally well) go to the angle nearest zero.
        scores = np.array([sharpness(a, bin_size) for a in angles])
        tied = angles[scores >= scores.max() * (1 - 1e-9)]
        return float(tied[np.argmin(np.abs(tied))])

    best = sharpest(np.round(np.arange(-max_deg, max_deg + 1e-9, 0.1), 6), max(2.0, text_height / 8))
    return sharpest(np.round(np.arange(best - 0.1, best + 0.1 + 1e-9, 0.01), 6), max(1.0, text_height / 20))


# ----------------------------------------------------------------------------------------------------------
# main entry


def detect(page: Page, options: Optional[DetectOptions] = None, ink: Optional[InkMap] = None) -> PageLayout:
    """Find the glyphs of a page, grouped and in reading order."""
    opt = options or DetectOptions()
    ink = ink or ink_map(page)
    labels = ink.components
    n = int(labels.max())
    dropped = {"specks": 0, "large": 0}
    if n == 0:
        return PageLayout(page.index, ink, [], [], 0.0, 0.0, {}, dropped)
    if n > opt.max_components:
        return PageLayout(page.index, ink, [], [], 0.0, 0.0, {}, dropped,
                          rejected=f"{n} ink components, more than {opt.max_components:,}")

    comps_arr = _component_table(labels, n)
    heights = comps_arr[:, 4] - comps_arr[:, 2]
    widths = comps_arr[:, 3] - comps_arr[:, 1]

    # Text height: median height of components of letter size (ignore dust and dots).
    big_enough = comps_arr[:, 5] > 16
    if big_enough.sum() == 0:
        dropped["specks"] = len(comps_arr)
        return PageLayout(page.index, ink, [], [], 0.0, 0.0, {}, dropped)
    # Letter-sized: at least 40 % of the tall letters' height (leaves out dots, commas, hyphens), so a
    # line of punctuation is measured by its ! ? % and not by its dots.
    tall = float(np.percentile(heights[big_enough], 90))
    letterish = big_enough & (heights >= 0.4 * tall)
    text_height = float(np.median(heights[letterish]))

    stripped = strip_rules(labels, comps_arr, text_height, opt.max_glyph_size)
    if stripped is not None:  # letters touching a rule or a frame are components of their own now
        labels = stripped
        ink = replace(ink, components=labels)
        comps_arr = _component_table(labels, int(labels.max()))
        heights = comps_arr[:, 4] - comps_arr[:, 2]
        widths = comps_arr[:, 3] - comps_arr[:, 1]

    speck = comps_arr[:, 5] < max(9.0, (opt.speck_fraction * text_height) ** 2)
    large = np.maximum(heights, widths) > opt.max_glyph_size * text_height
    large[large] = ~written_words(labels, comps_arr[large], text_height)
    large |= short_rules(labels, comps_arr, text_height, ~large)
    large |= rule_ends(comps_arr, text_height, large)
    dropped["specks"] = int(speck.sum())
    dropped["large"] = int(large.sum())
    elements = [Element(kind=element_kind(row, text_height), bbox=tuple(int(v) for v in row[1:5]), page=page.index)
                for row in comps_arr[large & ~speck]]
    keep = ~speck & ~large
    comps_arr = comps_arr[keep]
    if len(comps_arr) == 0:
        return PageLayout(page.index, ink, [], [], text_height, 0.0, {}, dropped)

    # Skew from component bottoms (centre x, bottom y).
    cx = (comps_arr[:, 1] + comps_arr[:, 3]) / 2.0
    angle = estimate_skew(cx, comps_arr[:, 4].astype(float), text_height, opt.max_skew_deg)

    # Component boxes in the line frame (rotate the corners; exact enough for grouping). On a slanted page
    # (italic, script) the boxes are taken across the slant, so that an i's dot stands over its stem and an
    # f's overhang does not swallow its neighbour, as they would on an upright page.
    rboxes = _rotated_boxes(comps_arr[:, 1:5].astype(float), angle)
    slant = estimate_slant(labels, comps_arr[keep_letters(comps_arr, tall)], angle)
    if taken_slant(slant):
        rboxes = _slanted_boxes(labels, comps_arr, rboxes, angle, slant)
    local = local_text_heights(comps_arr, text_height, tall)
    groups = _group_components(rboxes, comps_arr[:, 5], local)
    if len(groups) > opt.max_glyphs:
        return PageLayout(page.index, ink, [], [], text_height, angle, {}, dropped,
                          rejected=f"{len(groups)} glyphs, more than {opt.max_glyphs:,}")

    glyph_members: List[List[int]] = groups

    # Exact ink extents in the line frame for each glyph, and its page box.
    glyph_boxes = [bbox_union([tuple(comps_arr[m, 1:5]) for m in members]) for members in glyph_members]
    member_labels = [comps_arr[members, 0] for members in glyph_members]  # each glyph's component labels
    extents = [_ink_extent(labels, box, labs, angle) for box, labs in zip(glyph_boxes, member_labels)]

    glyph_th = np.array([max(local[m] for m in members) for members in glyph_members])
    lines_of_glyphs, line_blocks = [], []  # glyph indices by line, and the text block of each line
    for b, block in enumerate(text_blocks(extents, glyph_th)):
        for line in _find_lines([extents[i] for i in block], glyph_th[block]):
            for part in stacked_lines([block[i] for i in line], labels, glyph_boxes, member_labels, angle,
                                      glyph_th):
                lines_of_glyphs.append(part)
                line_blocks.append(b)

    # Refine the angle with a least-squares baseline per line, then recompute the frame extents.
    refined = _refine_angle(lines_of_glyphs, glyph_boxes, extents, angle, text_height, labels, member_labels)
    if abs(refined - angle) > 1e-6:
        angle = refined
        extents = [_ink_extent(labels, box, labs, angle) for box, labs in zip(glyph_boxes, member_labels)]

    members = [tuple(int(v) for v in labs) for labs in member_labels]
    bottoms_of = [letter_bottoms(labels, glyph_boxes[i], member_labels[i], angle, extents[i], glyph_th[i])
                  for i in range(len(glyph_members))]
    glyphs, lines, ext_by_id = _reading_order(page.index, lines_of_glyphs, line_blocks, glyph_boxes, members,
                                              extents, angle, glyph_th, bottoms_of)
    drawn = drawings(glyphs, lines, elements)
    if drawn:  # set aside before labelling: a transcript aligned over a drawing gives its letters to the pieces
        elements += [Element(kind="diagram", bbox=box, page=page.index) for box in drawn.values()]
        line_blocks = [b for li, b in enumerate(line_blocks) if li not in drawn]
        lines_of_glyphs = [idxs for li, idxs in enumerate(lines_of_glyphs) if li not in drawn]
        glyphs, lines, ext_by_id = _reading_order(page.index, lines_of_glyphs, line_blocks, glyph_boxes, members,
                                                  extents, angle, glyph_th, bottoms_of)
    return PageLayout(page.index, ink, glyphs, lines, text_height, angle, ext_by_id, dropped, elements=elements,
                      slant=slant)


# Upright designs measure within ±4° (the suite's 18 upright fonts and the 9 held-out gothic types, alphabets,
# words and tight words, clean to harsh: −3.6 … +3.6; DIBCO, Kant, Krause, Leptonica: −1.3 … +4.2); italics and
# scripts 6–17° (11 held-out italics, the suite's 2 scripts). Below this the page is taken as upright, unchanged.
MIN_SLANT_DEG = 5.0
SLANT_SAMPLE = 400  # letters measured at most (evenly through the page): the median settles long before
MIN_SLANT_LETTERS = 10  # fewer single letters than this (a page of touching runs) cannot tell: upright
LETTER_WIDTH = 1.2  # a piece wider than this × the tall letters' height holds touching letters (an M or W: ~1)


def taken_slant(slant: float) -> float:
    """A measured slant as the pipeline takes it (degrees): as measured from MIN_SLANT_DEG on, else 0
    (upright)."""
    return slant if abs(slant) >= MIN_SLANT_DEG else 0.0


def page_slant(layout: PageLayout) -> float:
    """The slant a page's glyphs are measured across (degrees): its type's when slanted, else 0."""
    return taken_slant(layout.slant)


def _evenly(count: int) -> np.ndarray:
    """Indices of at most SLANT_SAMPLE of `count` items, spread evenly through them."""
    return np.linspace(0, count - 1, min(count, SLANT_SAMPLE)).astype(int)


def keep_letters(comps: np.ndarray, tall: float) -> np.ndarray:
    """Rows of the component table that are single letters' size: 0.4–3 × the tall letters' height, no wider
    than LETTER_WIDTH × it, not dust. (Letters that touch make wide pieces; their moments say more of their
    width than of their slant, and turn with the page's skew estimate: a 0.75° turn read a gothic page's
    touching runs as 6° slanted.)"""
    h = comps[:, 4] - comps[:, 2]
    w = comps[:, 3] - comps[:, 1]
    return (comps[:, 5] > 16) & (h >= 0.4 * tall) & (h <= 3.0 * tall) & (w <= LETTER_WIDTH * tall)


def estimate_slant(labels: np.ndarray, letters: np.ndarray, angle: float = 0.0) -> float:
    """The type's slant in degrees (positive leaning right, as an italic), measured in the line frame of a
    page skewed by `angle`: the median over letter components of the shear of their ink, −μ11/μ02 from
    each one's central moments rotated into the line frame (a sheared upright shape has μ11 = −slant × μ02,
    image y pointing down). Upright letters that lean one way (k, N, z) are balanced by those that lean the
    other; the median of a page's letters is within ±4° of 0 on upright designs. (`faces.slant_degrees`
    measures a line's slant by the sharpness of its column profile; here no lines exist yet.)

    >>> stem = np.zeros((40, 30), np.int32)
    >>> for row in range(40):  # a stem 6 px wide leaning right by 1 px in 4: about 14°
    ...     stem[row, 12 + (39 - row) // 4: 18 + (39 - row) // 4] = 1
    >>> round(estimate_slant(stem, np.array([[1, 0, 0, 30, 40, 240]] * MIN_SLANT_LETTERS)))  # one stem, 10 times
    14
    """
    if len(letters) < MIN_SLANT_LETTERS:
        return 0.0
    rows = letters[_evenly(len(letters))]
    return _median_slant(((labels[y0:y1, x0:x1] == lab) for lab, x0, y0, x1, y1, _ in rows), angle)


def _median_slant(masks, angle: float) -> float:
    """The median shear of these ink masks in the line frame (see `estimate_slant`), degrees."""
    a = math.radians(angle)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])  # as _rotate
    shears = []
    for mask in masks:
        m = cv2.moments(mask.view(np.uint8), binaryImage=True)
        cov = rot @ np.array([[m["mu20"], m["mu11"]], [m["mu11"], m["mu02"]]]) @ rot.T
        if cov[1, 1] > 0:
            shears.append(-cov[0, 1] / cov[1, 1])
    return float(np.degrees(np.arctan(np.median(shears)))) if shears else 0.0


def glyphs_slant(layouts: Sequence[PageLayout], glyphs: Sequence[Glyph]) -> float:
    """The slant of the type these glyphs are set in (degrees, as `estimate_slant`), from their letters (the
    labelled ones when some are; a face's own, where a page mixes a roman and an italic); 0 when under
    MIN_SLANT_DEG, i.e. upright."""
    by_page = {lay.page: lay for lay in layouts}
    letters = [g for g in glyphs if g.char is not None and g.char.isalpha()] or list(glyphs)
    letters = [letters[i] for i in _evenly(len(letters))]
    per_page: Dict[int, List[Glyph]] = {}
    for g in letters:
        if g.page in by_page:
            per_page.setdefault(g.page, []).append(g)
    masks, angles = [], []
    for page, members in per_page.items():
        lay = by_page[page]
        for g in members:
            x0, y0, x1, y1 = g.bbox
            masks.append(np.isin(lay.ink.components[y0:y1, x0:x1], g.components))
        angles.append(lay.angle)
    if len(masks) < MIN_SLANT_LETTERS:
        return 0.0
    return taken_slant(_median_slant(masks, float(np.median(angles))))


def _slanted_boxes(labels: np.ndarray, comps: np.ndarray, rboxes: np.ndarray, angle: float,
                   slant: float) -> np.ndarray:
    """Component boxes in the line frame sheared upright: x runs across the slant (x + tan(slant) · y, from
    each component's ink pixels), y as before."""
    lookup = np.full(int(labels.max()) + 1, -1, np.int64)
    lookup[comps[:, 0]] = np.arange(len(comps))
    ys, xs = np.nonzero(labels)
    row = lookup[labels[ys, xs]]
    inside = row >= 0
    xr, yr = _rotate(xs[inside] + 0.5, ys[inside] + 0.5, angle)
    across = xr + math.tan(math.radians(slant)) * yr
    row = row[inside]
    lo = np.full(len(comps), np.inf)
    hi = np.full(len(comps), -np.inf)
    np.minimum.at(lo, row, across)
    np.maximum.at(hi, row, across)
    out = rboxes.copy()
    out[:, 0], out[:, 2] = lo - 0.5, hi + 0.5
    return out


RULE_ASPECT = 6.0  # a rule is this many times longer than it is thick ...
RULE_THICKNESS = 0.6  # ... and no thicker than this share of the text height (a wavy rule's band included)
FRAME_FILL = 0.12  # a frame's ink fills less than this share of its box


def element_kind(row: np.ndarray, text_height: float) -> str:
    """What a component too large for a glyph is (row: label, x0, y0, x1, y1, area): a rule (long and thin,
    straight or wavy), a frame (a large box its ink hardly fills) or an ornament (the rest).

    >>> rule, tilted = np.array([1, 0, 0, 900, 6, 5400]), np.array([1, 0, 0, 2800, 40, 16800])
    >>> element_kind(rule, 40.0), element_kind(tilted, 40.0), element_kind(np.array([1, 0, 0, 400, 300, 9000]), 40.0)
    ('rule', 'rule', 'frame')
    """
    w, h, area = row[3] - row[1], row[4] - row[2], row[5]
    if area < FRAME_FILL * w * h and min(w, h) >= 3 * text_height:
        return "frame"
    # a rule's thickness is its ink over its length, not its box's height: a skewed scan tilts long rules
    length = max(w, h)
    thickness = area / max(length, 1)
    if thickness <= RULE_THICKNESS * text_height and length >= RULE_ASPECT * thickness:
        return "rule"
    return "ornament"


RULE_MIN_LENGTH = 2.5  # text heights: a horizontal rule this long is longer than any letter's stroke (an em dash:
#                        ~1.8). Upright ones are not asked: a blackletter long s or a bracket is as tall and thin


def short_rules(labels: np.ndarray, comps: np.ndarray, text_height: float, among: np.ndarray) -> np.ndarray:
    """Which components (rows of `comps`, of those `among`) are horizontal rules shorter than `large` ones: an
    underline beneath a name, a short rule between lines, a swash stroke. At least RULE_MIN_LENGTH text heights
    wide and wider than tall, a rule by `element_kind` (long and thin) and no written word (`written_words`: a
    thin script word is long and thin too, but has many sides). Left as glyphs, they join the letters above them.

    >>> labels = np.zeros((160, 400), np.int32); labels[50:53, 10:300] = 1  # an underline, 290 px
    >>> labels[10:40, 10:20] = 2; labels[45:48, 10:40] = 3  # a letter's stem, an em dash
    >>> labels[60:160, 350:356] = 4  # an upright rule as tall as a long s
    >>> comps = _component_table(labels, 4)
    >>> short_rules(labels, comps, 30.0, np.ones(4, bool)).tolist()
    [True, False, False, False]
    """
    widths, heights = comps[:, 3] - comps[:, 1], comps[:, 4] - comps[:, 2]
    out = np.zeros(len(comps), bool)
    for k in np.nonzero(among & (widths >= RULE_MIN_LENGTH * text_height) & (widths > heights))[0]:
        out[k] = element_kind(comps[k], text_height) == "rule"
    if out.any():
        out[out] = ~written_words(labels, comps[out], text_height)
    return out


def rule_ends(comps: np.ndarray, text_height: float, large: np.ndarray) -> np.ndarray:
    """Which components (rows of `comps`, of those not `large`) are the rest of a horizontal rule broken in two:
    rule-shaped (`element_kind`), at least a text height long, on a rule's band (their heights overlapping by
    half the thinner) and within a text height of its end. A hand-drawn underline stops and starts again
    (Krause sheet 2's "Annahme"): its shorter piece, left a glyph, joins the letters near it.

    >>> comps = np.array([[1, 0, 100, 900, 110, 9000], [2, 930, 101, 1100, 111, 1700], [3, 930, 40, 960, 90, 900]])
    >>> rule_ends(comps, 40.0, np.array([True, False, False])).tolist()
    [False, True, False]
    """
    out = np.zeros(len(comps), bool)
    rules = [row for row, big in zip(comps, large) if big and element_kind(row, text_height) == "rule"
             and row[3] - row[1] > row[4] - row[2]]
    if not rules:
        return out
    widths, heights = comps[:, 3] - comps[:, 1], comps[:, 4] - comps[:, 2]
    for k in np.nonzero(~large & (widths >= text_height) & (widths > heights))[0]:
        if element_kind(comps[k], text_height) != "rule":
            continue
        x0, y0, x1, y1 = comps[k, 1:5]
        for r in rules:
            overlap = min(y1, r[4]) - max(y0, r[2])
            apart = max(x0, r[1]) - min(x1, r[3])
            if overlap >= 0.5 * min(y1 - y0, r[4] - r[2]) and apart <= text_height:
                out[k] = True
                break
    return out


RULE_FREE_SIDE = 0.3  # a rule has one side free of other ink along at least 1 − this share of its length. The
#                       joined feet of written Fraktur (a band along the baseline) have ink on both sides along
#                       59–81 % of it (Krause sheets); rules and frame borders with letters touching them 0–12 %
RULE_GAP = 0.04  # (text heights) the band beyond a rule's edge where its ragged edge ends and a letter begins


def _opened(mask: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    # outside the crop is paper: OpenCV's default border counts it as ink for erosion
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)


def _sides_touched(mask: np.ndarray, segment: np.ndarray, gap: int) -> Tuple[float, float]:
    """The share of a horizontal segment's columns that have ink of `mask` just above it, and just below it
    (between `gap` and 2 `gap` pixels beyond its edge)."""
    cols = np.nonzero(segment.any(axis=0))[0]
    h = segment.shape[0]
    top = np.argmax(segment[:, cols], axis=0)
    bottom = h - 1 - np.argmax(segment[::-1, cols], axis=0)
    rows = np.arange(h)[:, None]
    column = mask[:, cols].astype(bool)
    above = column & (rows >= top - 2 * gap) & (rows < top - gap)
    below = column & (rows > bottom + gap) & (rows <= bottom + 2 * gap)
    return float(above.any(axis=0).mean()), float(below.any(axis=0).mean())


def rule_strokes(mask: np.ndarray, text_height: float, length: float = RULE_MIN_LENGTH) -> np.ndarray:
    """The straight rule strokes of one component's ink (a uint8 crop): horizontal runs at least `length`
    text heights long (a morphological opening), upright ones too in a box at least 3 text heights each way (a
    frame), each with one side free of other ink (RULE_FREE_SIDE: an underline, a frame's border, and not the
    band of joined feet along a written word's baseline). Returns a uint8 mask, 1 on the strokes.

    >>> ink = np.zeros((60, 400), np.uint8); ink[40:46, 10:390] = 1  # an underline
    >>> ink[10:40, 50:56] = 1; ink[10:40, 200:206] = 1  # two letters' stems standing on it
    >>> int(rule_strokes(ink, 30.0)[43, 100]), int(rule_strokes(ink, 30.0)[20, 52])
    (1, 0)
    >>> feet = ink.copy()  # written letters' feet joined along their baseline: ink on both sides all along
    >>> for x in range(10, 390, 20): feet[46:52, x:x + 12] = 1; feet[34:40, x + 4:x + 16] = 1
    >>> int(rule_strokes(feet, 30.0).sum())
    0
    """
    run = int(round(length * text_height))
    gap = max(1, int(round(RULE_GAP * text_height)))
    strokes = np.zeros_like(mask)
    upright = min(mask.shape) >= 3 * text_height
    for transposed in ((False, True) if upright else (False,)):
        m = mask.T if transposed else mask
        opened = _opened(np.ascontiguousarray(m), np.ones((1, run), np.uint8))
        # a rule printed as two strokes with a hairline of paper between them is one rule
        opened = cv2.morphologyEx(opened, cv2.MORPH_CLOSE, np.ones((4 * gap + 1, 1), np.uint8)) & m
        n, segments = cv2.connectedComponents(opened, connectivity=8)
        for j in range(1, n):
            segment = (segments == j).astype(np.uint8)
            sides = _sides_touched(m, segment, gap)
            if min(sides) <= RULE_FREE_SIDE:
                if transposed:
                    strokes |= segment.T
                else:
                    strokes |= segment
    return strokes


def strip_rules(labels: np.ndarray, comps: np.ndarray, text_height: float, length: float = 5.0
                ) -> Optional[np.ndarray]:
    """Letters that touch a rule or a frame's border (a title standing on its underline, a word set against its
    frame) are one ink component with it, and would be set aside with it as an element. Each component at least
    `length` text heights long (longer than any glyph: detection's max_glyph_size) loses its rule strokes that
    long (`rule_strokes`, grown by RULE_GAP to take their ragged edges). The pieces left get labels of their
    own where they read as a line of type: as tall as letters or a word of them (LETTER_SIZED to WORD_BAND's
    top), outside what a frame's strokes enclose (a drawing, a border's chain), and standing beside letters of
    the page, or beside such pieces (a vignette's body on its base line stands alone). A word kept as text
    (`written_words`: Krause sheet 2's "Annahme") loses a shorter underline too, any stroke longer than a
    letter's (RULE_MIN_LENGTH); its letters, still joined (JOINED_WIDTH times as wide as they are tall), need
    no neighbours. The rule keeps the component's label, with its crumbs. Returns a new label map, or None where
    no component held letters on a rule (the common case: the map is not copied). Line removal as form readers
    do it, with the free-side test that keeps written letters' joined feet whole.

    >>> labels = np.zeros((200, 900), np.int32); labels[150:156, 20:880] = 1  # a long underline ...
    >>> labels[110:150, 100:130] = 1; labels[110:150, 160:190] = 1  # ... two letters standing on it
    >>> labels[110:150, 40:70] = 2  # and a letter beside them, clear of the rule
    >>> new = strip_rules(labels, _component_table(labels, 2), 40.0)
    >>> int(new[120, 110]) != 1, int(new[120, 170]) != 1, int(new[153, 500]), int(new[120, 50])
    (True, True, 1, 2)
    """
    widths, heights = comps[:, 3] - comps[:, 1], comps[:, 4] - comps[:, 2]
    long_ones = np.nonzero((np.maximum(widths, heights) >= length * text_height) & (comps[:, 5] > 16))[0]
    if len(long_ones) == 0:
        return None
    gap = max(1, int(round(RULE_GAP * text_height)))
    lettered = ((heights >= LETTER_SIZED * text_height) & (heights <= WORD_BAND[1] * text_height)
                & (np.maximum(widths, heights) < length * text_height))
    letter_boxes = comps[lettered, 1:5].astype(float)
    out = None
    next_label = int(labels.max()) + 1
    for k in long_ones:
        lab, x0, y0, x1, y1 = (int(v) for v in comps[k, :5])
        current = labels if out is None else out
        mask = (current[y0:y1, x0:x1] == lab).astype(np.uint8)
        # a word kept as text (written_words) may hold a shorter underline: any stroke longer than a letter's
        word = bool(written_words(current, comps[k:k + 1], text_height)[0])
        strokes = rule_strokes(mask, text_height, RULE_MIN_LENGTH if word else length)
        if not strokes.any():
            continue
        strokes = cv2.dilate(strokes, np.ones((2 * gap + 1, 2 * gap + 1), np.uint8)) & mask
        n, pieces, stats, centroids = cv2.connectedComponentsWithStats(mask & (1 - strokes), connectivity=8)
        rows, cols = np.nonzero(strokes)
        sx0, sx1, sy0, sy1 = cols.min(), cols.max(), rows.min(), rows.max()
        sized = [j for j in range(1, n)
                 if LETTER_SIZED * text_height <= stats[j, cv2.CC_STAT_HEIGHT] <= WORD_BAND[1] * text_height
                 and not (sx0 < centroids[j, 0] < sx1 and sy0 < centroids[j, 1] < sy1)]
        boxes = {j: (x0 + stats[j, 0], y0 + stats[j, 1], x0 + stats[j, 0] + stats[j, 2],
                     y0 + stats[j, 1] + stats[j, 3]) for j in sized}
        # a word's letters, still joined, need no neighbours: wider than JOINED_WIDTH of their own height (a
        # title smaller than the page's letters; a vignette's scrolls are as tall, not as wide)
        joined = [j for j, b in boxes.items() if word and b[2] - b[0] >= JOINED_WIDTH * (b[3] - b[1])]
        letters = _beside_letters(boxes, letter_boxes, text_height, joined)
        if not letters:
            continue
        if out is None:
            out = labels.copy()
        crop = out[y0:y1, x0:x1]
        for j in letters:
            crop[pieces == j] = next_label
            next_label += 1
    return out


def _beside_letters(boxes: Dict[int, tuple], letters: np.ndarray, text_height: float,
                    found: Sequence[int] = ()) -> List[int]:
    """The keys of `boxes` that are in `found` or stand beside one of `letters` (boxes x0, y0, x1, y1) on a
    line, or beside one of those: spans overlapping by half the lower one's height, at most BESIDE_GAP text
    heights apart."""
    def beside(a, b):
        overlap = min(a[3], b[3]) - max(a[1], b[1])
        apart = max(a[0], b[0]) - min(a[2], b[2])
        return overlap >= 0.5 * min(a[3] - a[1], b[3] - b[1]) and apart <= BESIDE_GAP * text_height

    found = list(found) + [j for j, box in boxes.items()
                           if j not in found and any(beside(box, tuple(other)) for other in letters)]
    rest = [j for j in boxes if j not in found]
    grew = True
    while grew and rest:
        grew = False
        for j in list(rest):
            if any(beside(boxes[j], boxes[f]) for f in found):
                found.append(j)
                rest.remove(j)
                grew = True
    return found


WORD_BAND = (0.5, 2.5)  # a word's ink is this many text heights high: x-height to ascender-plus-descender and swash
WORD_EDGE = 2.5  # ... and its outline this many times as long as its box is wide: letters have many sides


def written_words(labels: np.ndarray, comps: np.ndarray, text_height: float) -> np.ndarray:
    """Which components (rows of `comps`) are words or lines of joined letters (a connected script, Fraktur
    set solid, a swash word with its flourish), to be kept as text for labelling to cut, although they are
    longer than any glyph. A word's ink is as high as text and has far more outline than a rule: a straight
    rule's outline is twice its length (ratio 1), a wavy one's up to ~1.6 times; joined letters measure 3.9–5.2
    (Dancing Script lines, solid blackletter words, the Krause sample words).

    >>> labels = np.zeros((40, 400), np.int32); labels[20:24, :] = 1  # a rule: long, thin, two sides
    >>> for x in range(0, 400, 10): labels[5:35, x:x + 4] = 2  # a row of stems joined at the top
    >>> labels[5:9, :] = 2
    >>> comps = _component_table(labels, 2)
    >>> written_words(labels, comps, 30.0).tolist()
    [False, True]
    """
    heights = comps[:, 4] - comps[:, 2]
    lengths = np.maximum(comps[:, 3] - comps[:, 1], heights)
    out = np.zeros(len(comps), bool)
    for k in np.nonzero((heights >= WORD_BAND[0] * text_height) & (heights <= WORD_BAND[1] * text_height))[0]:
        lab, x0, y0, x1, y1 = (int(v) for v in comps[k, :5])
        ink = (labels[y0:y1, x0:x1] == lab).astype(np.uint8)
        edge = int(ink.sum()) - int(cv2.erode(ink, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT,
                                              borderValue=0).sum())
        out[k] = edge >= WORD_EDGE * 2 * lengths[k]
    return out


def _component_table(labels: np.ndarray, n: int) -> np.ndarray:
    """One row per ink component: (label, x0, y0, x1, y1, area), boxes in page pixels, x1/y1 exclusive."""
    objs = _component_slices(labels, n)
    areas = np.bincount(labels.ravel(), minlength=n + 1)
    comps = [(lab, sl[1].start, sl[0].start, sl[1].stop, sl[0].stop, int(areas[lab]))
             for lab, sl in enumerate(objs, start=1) if sl is not None]
    return np.array(comps, dtype=np.int64)


def _reading_order(page_index, lines_of_glyphs, line_blocks, glyph_boxes, members, extents, angle, glyph_th,
                   bottoms_of):
    """Glyphs (ids p<page>-<order>) and lines in reading order, and each glyph's ink extent by id.
    `bottoms_of[i]`: the bottoms glyph i gives its line's baseline (`letter_bottoms`)."""
    glyphs: List[Glyph] = []
    lines: List[Line] = []
    ext_by_id: Dict[str, Tuple[float, float, float, float]] = {}
    order = 0
    for li, idxs in enumerate(lines_of_glyphs):
        idxs = sorted(idxs, key=lambda i: (extents[i][0] + extents[i][2]) / 2)
        ids = []
        for i in idxs:
            gid = f"p{page_index + 1}-{order + 1:04d}"
            glyphs.append(Glyph(id=gid, page=page_index, bbox=tuple(int(v) for v in glyph_boxes[i]),
                                components=members[i], line=li, order=order, angle=angle))
            ext_by_id[gid] = extents[i]
            ids.append(gid)
            order += 1
        bottoms = np.concatenate([bottoms_of[i] for i in idxs])
        owners = np.concatenate([np.full(len(bottoms_of[i]), k) for k, i in enumerate(idxs)])
        lines.append(Line(page=page_index, index=li, glyph_ids=ids, angle=angle,
                          baseline_offset=_baseline(bottoms, float(np.median(glyph_th[idxs])), owners),
                          block=line_blocks[li]))
    return glyphs, lines, ext_by_id


MIN_DRAWING_PIECES = 4  # a framed "line" of fewer pieces is too short to tell a drawing from type
DRAWING_SITTING = 0.25  # a "line" inside a frame or an ornament whose letters sit on its baseline less often than
#                         this is a drawing (Krause sheet 1's pen diagrams: 0.0; sheet 2's framed words: 0.62–1.0).
#                         Only framed lines are asked: free lines of type can sit less (a script's line of figures
#                         and punctuation on a harsh print, 0.08; Krause sheet 4's three cartouches read as one
#                         line, 0.29)
SITTING_TOLERANCE = 0.12  # (the line's median glyph height) a letter whose bottom is this near its baseline sits


def drawings(glyphs: Sequence[Glyph], lines: Sequence[Line], elements: Sequence[Element]) -> Dict[int, tuple]:
    """The lines that are drawings, not type, by line index, with each drawing's box: MIN_DRAWING_PIECES or more
    pieces inside a frame or an ornament whose letter-sized pieces mostly do not sit on the line's baseline
    (`sitting_share` under DRAWING_SITTING), such as the pen-angle diagrams of a lettering manual (Krause sheet
    1). Type set in a frame sits on its lines (Krause sheet 2's sample words: 0.69–1.0). Another "line" in a
    frame, within a drawing's height, is part of it (its arrows, a figure's label)."""
    box_of = {g.id: g.bbox for g in glyphs}
    holders = [e.bbox for e in elements if e.kind in ("frame", "ornament")]

    def holder(box):
        return next((i for i, e in enumerate(holders)
                     if e[0] <= box[0] and e[1] <= box[1] and box[2] <= e[2] and box[3] <= e[3]), None)

    out, held, drawn = {}, {}, {}
    for ln in lines:
        boxes = [box_of[gid] for gid in ln.glyph_ids]
        if not boxes:
            continue
        box = bbox_union(boxes)
        where = holder(box)
        if where is None:
            continue
        held[ln.index] = (box, where)
        if len(boxes) >= MIN_DRAWING_PIECES and sitting_share(boxes, ln) < DRAWING_SITTING:
            out[ln.index] = box
            drawn.setdefault(where, []).append(box)
    # marks in the same frame within a drawing's height are its arrows and labels, on a "line" of their own
    out.update({index: box for index, (box, where) in held.items()
                if index not in out and any(d[1] <= box[1] and box[3] <= d[3] for d in drawn.get(where, ()))})
    return out


def sitting_share(boxes: Sequence[Tuple[float, float, float, float]], line: Line) -> float:
    """The share of a line's letter-sized glyphs (at least 0.4 of its median height) whose bottom lies on its
    baseline (within SITTING_TOLERANCE of the median height; descenders and marks off it).

    >>> line = Line(page=0, index=0, glyph_ids=[], angle=0.0, baseline_offset=100.0)
    >>> sitting_share([(0, 50, 20, 100), (30, 40, 50, 90), (60, 52, 80, 101)], line)
    0.6666666666666666
    """
    heights = np.array([b[3] - b[1] for b in boxes], float)
    size = float(np.median(heights))
    on = [abs(b[3] - line.baseline_y((b[0] + b[2]) / 2.0)) <= SITTING_TOLERANCE * size
          for b, h in zip(boxes, heights) if h >= 0.4 * size]
    return float(np.mean(on)) if on else 0.0


def _component_slices(labels: np.ndarray, n: int):
    from scipy import ndimage

    return ndimage.find_objects(labels, max_label=n)


def _rotated_boxes(boxes: np.ndarray, angle: float) -> np.ndarray:
    xs = boxes[:, [0, 2, 2, 0]]
    ys = boxes[:, [1, 1, 3, 3]]
    xr, yr = _rotate(xs, ys, angle)
    return np.stack([xr.min(1), yr.min(1), xr.max(1), yr.max(1)], axis=1)


def _frame_ink(labels, box, labs, angle) -> Tuple[np.ndarray, np.ndarray]:
    """The line-frame (x, y) of the centres of the glyph's ink pixels (components `labs` within page `box`)."""
    x0, y0, x1, y1 = box
    rr, cc = np.nonzero(np.isin(labels[y0:y1, x0:x1], labs))
    return _rotate(cc + x0 + 0.5, rr + y0 + 0.5, angle)


def _ink_extent(labels, box, labs, angle) -> Tuple[float, float, float, float]:
    """Min/max of the glyph's ink pixels (their squares' corners) in the line frame."""
    xr, yr = _frame_ink(labels, box, labs, angle)
    if xr.size == 0:
        x0, y0, x1, y1 = box
        xr, yr = _rotate(np.array([x0, x1], float), np.array([y0, y1], float), angle)
        return float(xr.min()), float(yr.min()), float(xr.max()), float(yr.max())
    # ±0.5 px: the pixel square's half extent (exact at angle 0, within 0.2 px at 5°).
    return float(xr.min() - 0.5), float(yr.min() - 0.5), float(xr.max() + 0.5), float(yr.max() + 0.5)


JOINED_WIDTH = 2.5  # a glyph this many text heights wide is letters joined (no single letter is): ...
LETTER_STEP = 0.5  # ... and gives its line one bottom per this many text heights of its width


def letter_bottoms(labels, box, labs, angle, extent, text_height: float) -> np.ndarray:
    """The bottoms (line frame) a glyph gives its line's baseline: its ink's lowest point, or for letters
    joined in one piece of ink (a connected script, a word set solid) the lowest ink of each LETTER_STEP of
    its width, so that a line that is one piece of ink sits on its letters' baseline and not on its lowest
    descender.

    >>> labels = np.zeros((30, 100), np.int32); labels[5:20, :] = 1; labels[20:28, 40:50] = 1  # one descender
    >>> letter_bottoms(labels, (0, 0, 100, 30), [1], 0.0, (0, 5, 100, 28), 20.0).tolist()
    [20.0, 20.0, 20.0, 20.0, 28.0, 20.0, 20.0, 20.0, 20.0, 20.0]
    """
    if extent[2] - extent[0] < JOINED_WIDTH * text_height:
        return np.array([extent[3]])
    x0, y0, x1, y1 = box
    rr, cc = np.nonzero(np.isin(labels[y0:y1, x0:x1], labs))
    xr, yr = _rotate(cc + x0 + 0.5, rr + y0 + 0.5, angle)
    step = LETTER_STEP * text_height
    bins = ((xr - extent[0]) // step).astype(int)
    lowest = np.full(int(bins.max()) + 1, -np.inf)
    np.maximum.at(lowest, bins, yr + 0.5)
    return lowest[np.isfinite(lowest)]


LOCAL_NEIGHBOURS = 15  # components around one that tell its local text height
LOCAL_SIZE_STEP = 1.5  # a neighbourhood's text this much larger or smaller than the page's is measured apart


def local_text_heights(comps: np.ndarray, text_height: float, tall: float) -> np.ndarray:
    """Each component's text height: the page's (`text_height`), unless the tall letters around it — the 90th
    percentile of its LOCAL_NEIGHBOURS nearest components' heights, against the page's (`tall`) — are set
    more than LOCAL_SIZE_STEP larger or smaller: a specimen page's 10 pt sample between 24 pt lines, its
    caption. Grouping parts and finding lines at the page's text height would stack the small lines' letters
    into one another. (The tall letters, not the median: dots, commas and quotes crowd a line of punctuation.)

    >>> comps = np.array([[i, 30 * i, 0, 30 * i + 20, 40, 400] for i in range(20)]
    ...                  + [[20 + i, 12 * i, 200, 12 * i + 8, 212, 60] for i in range(20)])
    >>> h = local_text_heights(comps, 40.0, 40.0); float(h[0]), float(h[-1])
    (40.0, 12.0)
    """
    from scipy.spatial import cKDTree

    out = np.full(len(comps), text_height, dtype=float)
    if len(comps) < 4:
        return out
    heights = (comps[:, 4] - comps[:, 2]).astype(float)
    centres = np.column_stack([(comps[:, 1] + comps[:, 3]) / 2.0, (comps[:, 2] + comps[:, 4]) / 2.0])
    _, near = cKDTree(centres).query(centres, k=min(LOCAL_NEIGHBOURS, len(comps)))
    ratio = np.percentile(heights[near], 90, axis=1) / max(tall, 1.0)
    apart = (ratio > LOCAL_SIZE_STEP) | (ratio < 1.0 / LOCAL_SIZE_STEP)
    out[apart] = text_height * ratio[apart]
    return out


LEVEL_BOTTOMS = 0.1  # (text heights) two letters side by side whose bottoms differ by at most this sit on one line
BESIDE_GAP = 1.0  # (text heights) ... when no further apart than this
HAIRLINE_BREAK = 0.1  # (text heights) a mark on the baseline still joins a part this close under it
LETTER_SIZED = 0.4  # (text heights) the neighbour is a letter (an x-height letter is 0.5–0.9), not a mark
MARK_SIZED = 0.6  # (text heights) a mark is shorter than this (a comma in Liberation Sans: 0.41)
OTHER_LINE = 0.5  # (text heights) letters whose median bottoms are this far apart stand on two lines


def letters_beside(rboxes: np.ndarray, text_heights: np.ndarray) -> List[np.ndarray]:
    """Per part, the letters (LETTER_SIZED text heights or taller) beside it: no further than BESIDE_GAP text
    heights to its left or right, sharing rows with it. Boxes may overlap by a quarter of the narrower's width
    (kerned letters), not more (a part over or under another)."""
    x0, y0, x1, y1 = rboxes.T
    letter = y1 - y0 >= LETTER_SIZED * text_heights
    order = np.argsort(x0)
    starts = x0[order]
    out = []
    for c in range(len(rboxes)):
        reach = BESIDE_GAP * text_heights[c]
        near = order[:np.searchsorted(starts, x1[c] + reach, side="right")]  # starting left of the reach
        gap = np.maximum(x0[near] - x1[c], x0[c] - x1[near])  # < 0 where the boxes overlap (kerned)
        w = np.minimum(x1[near] - x0[near], x1[c] - x0[c])
        out.append(near[(gap >= -0.25 * w) & (gap <= reach) & (y0[near] < y1[c]) & (y1[near] > y0[c])
                        & letter[near] & (near != c)])
    return out


def marks_on_baseline(rboxes: np.ndarray, text_heights: np.ndarray,
                      beside: Optional[List[np.ndarray]] = None) -> np.ndarray:
    """Which parts are marks on a line's baseline, as a period or a comma is: a mark (less than MARK_SIZED
    text heights tall) with a letter beside it (`letters_beside`) that ends within the mark's rows while the
    mark stands in the letter's lower half, and that letter has another letter beside it ending level with it
    (bottoms within LEVEL_BOTTOMS): the letters of a line. Letters that end over a mark (the bar of ! and the
    hook of ? over their dots), or higher than the letters beside them (the strokes of a " ), make no line, level
    with each other as they are: the upper dot of a ; or : beside them is no period. A dot or an accent over its
    letter stands higher than the letters beside it end; where lines are set solid, the descender of a j or a p in
    the line above may end at an accent's height, but no letter beside the descender ends there.

    >>> boxes = np.array([[0, 0, 20, 30], [25, 0, 45, 30], [50, 20, 55, 30], [60, 25, 64, 36],
    ...                   [70, -12, 75, -7]], float)
    >>> marks_on_baseline(boxes, np.full(5, 30.0)).tolist()  # two letters, a period, a comma, an accent
    [False, False, True, True, False]
    """
    beside = letters_beside(rboxes, text_heights) if beside is None else beside
    x0, y0, x1, y1 = rboxes.T
    mark = y1 - y0 < MARK_SIZED * text_heights
    over_a_mark: Dict[int, bool] = {}

    def ends_over_a_mark(b: int) -> bool:  # the bar of ! or the hook of ? ends over its dot, not on the line
        if b not in over_a_mark:
            xov = np.minimum(x1, x1[b]) - np.maximum(x0, x0[b])
            vgap = y0 - y1[b]
            over_a_mark[b] = bool(np.any(mark & (xov >= 0.5 * np.minimum(x1 - x0, x1[b] - x0[b])) & (vgap >= 0)
                                         & (vgap <= 0.5 * text_heights[b])))
        return over_a_mark[b]

    line_bottom = line_bottoms(rboxes, beside)

    def ends_low(b: int) -> bool:  # not over a mark, and no higher than the letters beside it end (a quote's stroke)
        return not ends_over_a_mark(b) and y1[b] >= line_bottom[b] - LEVEL_BOTTOMS * text_heights[b]

    def on_a_line(b: int, besides: int) -> bool:  # another letter beside letter b ends level with it
        level = beside[b][(np.abs(y1[beside[b]] - y1[b]) <= LEVEL_BOTTOMS * text_heights[b]) & (beside[b] != besides)]
        return ends_low(b) and any(ends_low(int(n)) for n in level)

    out = np.zeros(len(rboxes), bool)
    for c in np.nonzero(mark)[0]:
        tol = LEVEL_BOTTOMS * text_heights[c]
        near = beside[c]
        ending = near[(y1[near] >= y0[c] - tol) & (y1[near] <= y1[c] + tol) & (y0[c] >= (y0[near] + y1[near]) / 2)]
        out[c] = any(on_a_line(int(b), int(c)) for b in ending)
    return out


def line_bottoms(rboxes: np.ndarray, beside: List[np.ndarray]) -> np.ndarray:
    """Per part, the median bottom of the letters beside it (`letters_beside`; NaN where none): about where the
    line it stands in sits. A mark over a letter and the letter share their line's letters; parts of two lines
    set solid, one over the other, do not."""
    y1 = rboxes[:, 3]
    return np.array([float(np.median(y1[near])) if len(near) else np.nan for near in beside])


DOT_SIZE = 0.3  # (text heights) a dot is no taller and no wider than this (an i's dot: ~0.15)
DOT_REACH = 0.25  # (text heights) a dot beside its stem stands at most this far to its side
DOT_ROUND = 0.5  # a dot is at least this wide for its height, and this high for its width (a quote's stroke is not)


def _group_components(rboxes: np.ndarray, areas: np.ndarray, text_heights: np.ndarray) -> List[List[int]]:
    """Group ink components into glyphs: i, j, ;, :, !, ?, %, ", ä are one glyph each.

    Each component is linked to its best partner, if any, under two rules:
    - stacked: a small part above or below another with mostly shared x range (dots, accents, ; : ! ? =);
    - nested: its box lies largely (40 %) inside a larger box (the rings and bar of %);
    - crossing: two small parts whose boxes cross (the parts of % in small or monospaced designs).
    A third rule pairs two small marks side by side high on the line (the two strokes of "), unless either
    sits on a part of its own. A dot that found no partner hangs on the nearest letter under it within
    DOT_REACH text heights to its side (a hand's i dotted beside its stem).

    Where lines are set solid, a part may find its partner in the next or the last line. Across a gap (more
    than HAIRLINE_BREAK text heights: a letter or a mark broken at a hairline still joins):
    - a mark on a line's baseline (`marks_on_baseline`: a period, a comma) hangs over nothing below it (a
      period over the next line's umlaut);
    - a part stands under no partner, and a letter over none, whose neighbouring letters end on another line
      than its own (`line_bottoms` more than OTHER_LINE text heights apart): an apostrophe under the D of
      the line above, the dot of a semicolon under a g's descender, the body of a small Fraktur ü over the z
      under it. A dot or an accent over its letter stands among its line's letters, as the letter does.
    """
    k = len(rboxes)
    parent = list(range(k))
    has_stacked = np.zeros(k, bool)  # the part sits on (or hangs under) another: a dot of i j ; :, an accent

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    x0, y0, x1, y1 = rboxes.T
    w = np.maximum(x1 - x0, 1.0)
    h = np.maximum(y1 - y0, 1.0)
    box_area = w * h
    small = h < 0.6 * text_heights  # each part measured against the text around it
    beside = letters_beside(rboxes, text_heights)
    on_baseline = marks_on_baseline(rboxes, text_heights, beside)
    line_bottom = line_bottoms(rboxes, beside)
    letter = h >= LETTER_SIZED * text_heights
    for c in range(k):
        th = text_heights[c]
        xov = np.clip(np.minimum(x1[c], x1) - np.maximum(x0[c], x0), 0, None)
        yov = np.clip(np.minimum(y1[c], y1) - np.maximum(y0[c], y0), 0, None)
        xov_ratio = xov / np.minimum(w[c], w)
        vgap = np.maximum(y0 - y1[c], y0[c] - y1)  # > 0 when vertically separated
        both_small = small[c] & small
        gap_limit = np.where(both_small, 0.8 * th, 0.5 * th)
        stacked = (small[c] & (xov_ratio >= 0.5) & (vgap >= -0.1 * np.minimum(h[c], h)) & (vgap <= gap_limit)
                   & (areas[c] <= areas))
        across = vgap > HAIRLINE_BREAK * th
        if on_baseline[c]:  # a period or a comma hangs over nothing below it across a gap
            stacked &= ~(across & (y0 >= y1[c]))
        with np.errstate(invalid="ignore"):  # NaN: no letters beside one of them, nothing to tell
            other_line = np.abs(line_bottom - line_bottom[c]) > OTHER_LINE * th
        stacked &= ~(across & other_line & ((y0 < y1[c]) | letter[c]))
        inter = xov * yov
        nested = (inter >= 0.4 * box_area[c]) & (box_area[c] < box_area)
        # small parts whose boxes cross (the rings and bar of %, a broken hairline)
        crossing = small[c] & small & (inter > 0) & (box_area[c] <= box_area)
        stacked[c] = nested[c] = crossing[c] = False
        score = np.where(nested, 2.0 + inter / box_area[c],
                         np.where(crossing, 1.0 + inter / box_area[c],
                                  np.where(stacked, xov_ratio - vgap / th, -np.inf)))
        best = int(np.argmax(score))
        if np.isfinite(score[best]):
            union(c, best)
        has_stacked[c] = bool(stacked.any())

    # Side-by-side small marks high on the line: the two strokes of a straight double quote. A mark that sits
    # on a part below it is not a quote's stroke: at a font's own spacing the dots of i and j (or of ; and :)
    # stand side by side as closely as a quote's strokes do.
    mark = small & (h <= 0.45 * text_heights) & ~has_stacked
    for a in np.nonzero(mark)[0]:
        th = text_heights[a]
        gap = x0 - x1[a]
        yov = np.minimum(y1[a], y1) - np.maximum(y0[a], y0)
        partner = (mark & (gap >= 0) & (gap <= np.minimum(2.0 * np.maximum(w[a], w), 0.4 * th))
                   & (yov >= 0.6 * np.minimum(h[a], h)) & (np.abs(h - h[a]) < 0.3 * np.maximum(h, h[a])))
        partner[a] = False
        if not partner.any():
            continue
        b = int(np.argmin(np.where(partner, gap, np.inf)))
        # Only marks that float above the letters of their line (not two periods on the baseline).
        near = ((np.abs((x0 + x1) / 2 - (x0[a] + x1[b]) / 2) < 3 * th) & (h >= 0.6 * th)
                & (y0 < max(y1[a], y1[b])) & (y1 > min(y0[a], y0[b])))
        if near.any() and np.median(y1[near]) > max(y1[a], y1[b]) + 0.4 * th:
            union(int(a), b)

    # A dot that stands beside its stem rather than over it: a hand's or a script's i and j, dotted a little
    # to the left or right. Asked only of round dots still alone (no partner, no quote's other stroke): the
    # nearest letter-sized part wholly under the dot, within DOT_REACH text heights to either side, on the
    # dot's own line, one letter wide (LETTER_WIDTH), and no mark on the baseline (a period under a broken-off
    # flag of the r before it). A dot over the columns of a part that reaches up past it (an i in touching
    # "ti"), or beside a run of touching letters, is left to the labelling, which cuts the run.
    roots = np.array([find(c) for c in range(k)], int)
    alone = np.bincount(roots, minlength=k)[roots] == 1  # a letter with a mark of its own takes no other
    dot = (alone & small & ~on_baseline & (h <= DOT_SIZE * text_heights) & (w <= DOT_SIZE * text_heights)
           & (w >= DOT_ROUND * h) & (h >= DOT_ROUND * w))
    for c in np.nonzero(dot)[0]:
        th = text_heights[c]
        hgap = np.maximum(x0 - x1[c], x0[c] - x1)  # < 0 where the x ranges overlap
        vgap = y0 - y1[c]
        with np.errstate(invalid="ignore"):
            same_line = ~(np.abs(line_bottom - line_bottom[c]) > OTHER_LINE * th)
        centre = (x0[c] + x1[c]) / 2
        if np.any(letter & (x0 < centre) & (x1 > centre) & (vgap < 0) & (y1 > y1[c])):  # over a part reaching past
            continue  # its bottom: the stem may be one of touching letters ("ti" at tight tracking), left to labelling
        under = (alone & letter & ~on_baseline & (hgap <= DOT_REACH * th) & (vgap >= 0) & (vgap <= 0.5 * th)
                 & same_line & (w <= LETTER_WIDTH * th))
        under[c] = False
        if under.any():
            # the nearest to its side: every x-height letter's top is about as far under a dot, its stem's too
            stem = int(np.argmin(np.where(under, np.maximum(hgap, 0) + 0.25 * vgap, np.inf)))
            union(c, stem)
            alone[stem] = alone[c] = False

    groups: Dict[int, List[int]] = {}
    for c in range(k):
        groups.setdefault(find(c), []).append(c)
    return list(groups.values())


MAX_BLOCK_DEPTH = 24  # cuts within cuts (a page's layout nests a few deep; this bounds a contrived page's time)
MIN_BLOCK_LETTERS = 3  # a block of text holds at least this many letter-sized glyphs (not a heading's capital alone)
GUTTER = 1.2  # (the band's median letter height) a gap this wide down a band of lines may part two blocks of text
#              (name cards side by side, columns: Krause sheet 4's cards stand 1.4-1.6 apart); word spaces are
#              under half of it. Lines on one baseline across it are read across all the same (ROW_ALIGNED)
ROW_ALIGNED = 0.25  # (line pitches) blocks whose lines' bottoms pair up this closely are one table, read across


def text_blocks(extents, text_heights: np.ndarray) -> List[List[int]]:
    """Glyph indices (into `extents`, ink boxes in the line frame) in blocks of text, in reading order, by a
    recursive XY-cut: glyphs with a gutter (at least GUTTER letter heights of paper) running all the way down
    between them are blocks side by side, read one after the other; else rows of ink with paper between them
    are cut apart and each is cut again the same way. Rows cut no further are one block together, whose lines
    are found as on a page of one block. A gutter is not a cut where its sides' lines stand on the same
    baselines (a table's rows, a caption beside its sample: read across), between single lines (words far
    apart on one line), or beside fewer than MIN_BLOCK_LETTERS letters (a heading's capital).

    >>> ext = [(0, 0, 10, 10), (12, 0, 22, 10), (0, 14, 10, 24),      # a card of two lines at the left ...
    ...        (60, 7, 70, 17), (72, 7, 82, 17), (60, 21, 70, 31)]   # ... and one beside it, set lower
    >>> text_blocks(ext, np.full(6, 10.0))
    [[0, 1, 2], [3, 4, 5]]
    >>> text_blocks(ext[:2] + [(60, 0, 70, 10)], np.full(3, 10.0))  # one line with a wide gap: one block
    [[0, 1, 2]]
    >>> table = ext[:3] + [(60, 0, 70, 10), (72, 0, 82, 10), (60, 14, 70, 24)]  # the right card set level
    >>> text_blocks(table, np.full(6, 10.0))  # rows of a table: read across
    [[0, 1, 2, 3, 4, 5]]
    """
    ext = np.asarray(extents, dtype=float).reshape(-1, 4)
    th = np.asarray(text_heights, dtype=float)
    letter = ext[:, 3] - ext[:, 1] >= 0.5 * th  # letter-sized, not specks and dots (which make any gap a gutter)

    def blocks(idx: np.ndarray, depth: int = 0) -> List[List[int]]:
        columns = _text_columns(ext, th, letter, idx) if depth < MAX_BLOCK_DEPTH else None
        if columns is not None:
            return [block for column in columns for block in blocks(column, depth + 1)]
        bands = _gaps_apart(ext[:, 1], ext[:, 3], idx, 0.0)  # rows of ink with paper between them
        if len(bands) == 1:
            return [sorted(idx.tolist())]
        out: List[List[int]] = []
        plain: List[int] = []  # bands cut no further: one block, whose lines _find_lines finds as on any page
        for band in bands:
            inner = blocks(band, depth + 1)
            if len(inner) == 1:
                plain.extend(inner[0])
                continue
            if plain:
                out.append(sorted(plain))
                plain = []
            out.extend(inner)
        if plain:
            out.append(sorted(plain))
        return out

    found = blocks(np.arange(len(ext)))
    return found if len(found) > 1 else [list(range(len(ext)))]


def _gaps_apart(lo: np.ndarray, hi: np.ndarray, idx: np.ndarray, gap: float) -> List[np.ndarray]:
    """`idx` in runs along one axis whose intervals [lo, hi) leave more than `gap` between runs."""
    order = idx[np.argsort(lo[idx], kind="stable")]
    runs, reach = [[order[0]]], hi[order[0]]
    for i in order[1:]:
        if lo[i] - reach > gap:
            runs.append([])
        runs[-1].append(i)
        reach = max(reach, hi[i])
    return [np.array(r) for r in runs]


def _text_columns(ext: np.ndarray, th: np.ndarray, letter: np.ndarray, band: np.ndarray
                  ) -> Optional[List[np.ndarray]]:
    """Glyphs `band` cut into blocks side by side at the gutters that run all the way down them (see
    `text_blocks`; `letter`: which glyphs are letter-sized), or None. Each gutter is judged by the two parts
    beside it (each measured once: the time stays n log n however many parts a row of cards makes)."""
    letters = band[letter[band]]
    if letters.size == 0:
        return None
    parts = _gaps_apart(ext[:, 0], ext[:, 2], band, GUTTER * float(np.median(ext[letters, 3] - ext[letters, 1])))
    if len(parts) < 2:
        return None
    sized = [int(letter[p].sum()) >= MIN_BLOCK_LETTERS for p in parts]
    bottoms = [_line_bottoms(ext, th, p) for p in parts]
    merged = [parts[0]]
    for k in range(1, len(parts)):
        if not (sized[k - 1] and sized[k]) or _read_across(bottoms[k - 1], bottoms[k]):
            merged[-1] = np.concatenate([merged[-1], parts[k]])
        else:
            merged.append(parts[k])
    return merged if len(merged) > 1 else None


def _line_bottoms(ext: np.ndarray, th: np.ndarray, side: np.ndarray) -> List[float]:
    """The bottoms (median glyph bottom) of the lines of glyphs `side` that hold a letter, top to bottom."""
    lines = _find_lines([tuple(ext[i]) for i in side], th[side])
    tall = 0.5 * float(np.median(th[side]))
    return sorted(float(np.median(ext[side[line], 3])) for line in lines
                  if (ext[side[line], 3] - ext[side[line], 1]).max() >= tall)


def _read_across(a: List[float], b: List[float]) -> bool:
    """Two blocks, by their lines' bottoms, are one text read line by line across the gutter between them:
    each holds one line only, or the lines of the one with fewer stand on the other's baselines (within
    ROW_ALIGNED of the closer-set block's leading)."""
    if len(a) <= 1 and len(b) <= 1:
        return True
    fewer, more = (a, b) if len(a) <= len(b) else (b, a)
    pitch = min(float(np.median(np.diff(side))) for side in (a, b) if len(side) > 1)
    return bool(fewer) and all(min(abs(y - z) for z in more) <= ROW_ALIGNED * pitch for y in fewer)


STACKED_EXTENT = 2.4  # (text heights) a line of type spans at most ~2.1 from ascender to descender, a script's
#                       with its flourishes up to ~2.9: a "line" this tall may be lines touching, one on another
STACKED_PEAK = 0.4  # ... its ink then shows a second x-height band at least this share of the densest's ink


def stacked_lines(line: List[int], labels: np.ndarray, boxes, member_labels, angle: float,
                  text_heights: np.ndarray) -> List[List[int]]:
    """A found "line" as the lines it is: where letters of lines set solid touch in many places (a script's
    flourishes, interlocking lettering), clustering by centres finds them as one. Its ink, summed along the
    line frame's rows, then shows an x-height band per line, at least a line's pitch apart (STACKED_PEAK);
    each glyph goes to the band that holds most of its ink, top to bottom, and a glyph holding letters of two
    lines is cut between them later (glyphseg.split.cut_between_lines). One band: the line as it was.

    Hand-written: a projection profile over the line's own ink (OCR engines find lines so, inside their own
    layout analysis; none is a library call on a line of components)."""
    th = float(np.median(text_heights[line]))
    if max(boxes[i][3] for i in line) - min(boxes[i][1] for i in line) < STACKED_EXTENT * th:
        return [line]  # (the page boxes span at least what the ink does in the line frame: most lines end here)
    rows = [_frame_ink(labels, boxes[i], member_labels[i], angle)[1] for i in line]
    ink = np.concatenate(rows)
    if ink.size == 0 or float(ink.max() - ink.min()) < STACKED_EXTENT * th:
        return [line]
    from scipy.ndimage import gaussian_filter1d
    from scipy.signal import find_peaks  # here: scipy.signal's import takes half a second, and few pages get here

    edges = np.arange(float(ink.min()), float(ink.max()) + 2.0)
    profile = gaussian_filter1d(np.histogram(ink, bins=edges)[0].astype(float), 0.15 * th)
    peaks, _ = find_peaks(profile, distance=max(1, int(0.8 * th)), height=STACKED_PEAK * profile.max(),
                          prominence=0.25 * profile.max())
    if len(peaks) < 2:
        return [line]
    bounds = (edges[peaks[:-1]] + edges[peaks[1:]]) / 2  # band k: between the midpoints around its peak
    parts: List[List[int]] = [[] for _ in peaks]
    for i, r in zip(line, rows):
        parts[int(np.argmax(np.bincount(np.searchsorted(bounds, r), minlength=len(peaks))))].append(i)
    return [p for p in parts if p]


def _find_lines(extents, text_heights: np.ndarray) -> List[List[int]]:
    """Lines of glyphs, top to bottom.

    Letter-sized glyphs (against the text height around each, `text_heights`) are clustered by their
    vertical centre (single linkage); the rest (dots, commas, quotes, dashes) join the line whose band they
    are nearest to.
    """
    if not extents:
        return []
    ext = np.array(extents)
    th = np.asarray(text_heights, dtype=float)
    h = ext[:, 3] - ext[:, 1]
    cy = (ext[:, 1] + ext[:, 3]) / 2
    main = np.nonzero((h >= 0.5 * th) & (h <= 2.2 * th))[0]
    if main.size == 0:
        main = np.arange(len(ext))
    order = main[np.argsort(cy[main])]
    clusters: List[List[int]] = [[int(order[0])]]
    for prev, cur in zip(order[:-1], order[1:]):
        if cy[cur] - cy[prev] > 0.5 * min(th[prev], th[cur]):
            clusters.append([])
        clusters[-1].append(int(cur))
    bands = [(ext[c, 1].min(), ext[c, 3].max()) for c in clusters]
    rest = sorted(set(range(len(ext))) - set(int(i) for i in main), key=lambda i: cy[i])
    orphans = []
    for i in rest:
        dist = [max(lo - cy[i], cy[i] - hi, 0.0) for lo, hi in bands]
        j = int(np.argmin(dist))
        if dist[j] <= 0.6 * th[i]:
            clusters[j].append(i)
        else:
            orphans.append(i)
    # Lines made only of small marks (a row of punctuation).
    if orphans:
        extra: List[List[int]] = [[orphans[0]]]
        for prev, cur in zip(orphans[:-1], orphans[1:]):
            if cy[cur] - cy[prev] > 0.5 * min(th[prev], th[cur]):
                extra.append([])
            extra[-1].append(cur)
        clusters.extend(extra)
    clusters.sort(key=lambda c: float(np.median(cy[c])))
    return clusters


DESCENDER_REACH = 0.5  # a descender reaches at most this many text heights below the baseline (~0.3 typically)
SITTING_SHARE = 0.25  # a line's bottoms this far above their median, in at least this share, sit on its baseline
MIN_SITTING = 3  # ... and at least this many: a short line's quotes or dots stand higher too


def _baseline(bottoms: np.ndarray, text_height: float, owners: Optional[np.ndarray] = None) -> float:
    """Baseline offset (line-frame y) from glyph bottoms: flat-bottomed letters sit on it, round ones
    overshoot slightly below, descenders go far below. `owners[k]`: the glyph bottom k is of, where a glyph
    gives several (letters joined in one piece: `letter_bottoms`); default: a glyph each.

    >>> float(_baseline(np.array([100.0] * 6 + [85.0] * 4), 40.0))  # six descenders; four letters sit 15 px higher
    85.0

    Two wide runs of touching letters ("Quali", "Typo": most of their width sits, a Q's tail, a y and a p reach
    below) and five glyphs that each reach below but one (an h):

    >>> runs = [100.0, 85, 85, 85, 85], [85.0, 100, 100, 85, 85]
    >>> bottoms = np.array(runs[0] + runs[1] + [100.0, 100, 100, 85, 100])
    >>> owners = np.array([0] * 5 + [1] * 5 + [2, 3, 4, 5, 6])
    >>> lowest = np.array([100.0] * 6 + [85.0])  # each glyph's lowest ink alone: only the h sits
    >>> float(_baseline(bottoms, 40.0, owners)), float(_baseline(lowest, 40.0))
    (85.0, 100.0)
    """
    if bottoms.size == 0:
        return 0.0
    med = float(np.median(bottoms))
    # a line whose median bottom is a descender's (tight tracking: merged pairs ty, gr, Ty give one bottom each,
    # their lowest): letters that sit a descender's depth higher are on the baseline, where nothing else sits
    # so many. Counted in glyphs and in bottoms both: a connected script's joins, between its letters, give
    # higher bottoms in every wide glyph, but too few to be a quarter of all; a run of touching letters gives
    # many there, as its letters sit
    owners = np.arange(bottoms.size) if owners is None else owners
    higher = (bottoms < med - 0.15 * text_height) & (bottoms > med - DESCENDER_REACH * text_height)
    if higher.any():
        level = float(np.median(bottoms[higher]))
        sitting = higher & (np.abs(bottoms - level) <= 0.1 * text_height)  # on one level, as on a baseline
        glyphs = np.unique(owners).size
        if (np.unique(owners[sitting]).size >= max(MIN_SITTING, SITTING_SHARE * glyphs)
                and sitting.sum() >= SITTING_SHARE * bottoms.size):
            med = level
    near = bottoms[np.abs(bottoms - med) <= 0.15 * text_height]
    if near.size == 0:
        return med
    return float(np.percentile(near, 40))


def _refine_angle(lines, boxes, extents, angle, text_height, labels, member_labels) -> float:
    """Least-squares slope of the baseline-sitting glyph bottoms, pooled over lines."""
    slopes, weights = [], []
    for idxs in lines:
        if len(idxs) < 4:
            continue
        bottoms = np.array([extents[i][3] for i in idxs])
        base = _baseline(bottoms, text_height)
        sitters = [i for i in idxs if abs(extents[i][3] - base) <= 0.06 * text_height]
        if len(sitters) < 4:
            continue
        xs, ys = [], []
        for i in sitters:
            # the lowest ink point of the glyph in page coordinates, in the current frame
            x0, y0, x1, y1 = boxes[i]
            crop = labels[y0:y1, x0:x1]
            rr, cc = np.nonzero(np.isin(crop, member_labels[i]))
            px, py = cc + x0 + 0.5, rr + y0 + 0.5
            _, yr = _rotate(px, py, angle)
            k = int(np.argmax(yr))
            xs.append(px[k])
            ys.append(py[k] + 0.5)
        xs, ys = np.array(xs), np.array(ys)
        if np.ptp(xs) < 5 * text_height:
            continue
        slope = np.polyfit(xs, ys, 1)[0]
        slopes.append(-math.degrees(math.atan(slope)))
        weights.append(len(sitters))
    if not slopes:
        return angle
    return float(np.average(slopes, weights=weights))


def joined_glyph(layout: PageLayout, a: Glyph, b: Glyph, gid: str) -> Tuple[Glyph, Tuple[float, float, float, float]]:
    """The glyph `a` and `b` make together (id `gid`, on a's line, a's label) and its ink extent in the line
    frame."""
    components = tuple(a.components) + tuple(b.components)
    bbox = tuple(int(v) for v in bbox_union([a.bbox, b.bbox]))
    glyph = replace(a, id=gid, bbox=bbox, components=components)
    return glyph, _ink_extent(layout.ink.components, bbox, np.array(components), layout.angle)


def join_glyphs(layout: PageLayout, keep: Glyph, absorb: Glyph) -> PageLayout:
    """A new layout in which `absorb` is part of `keep` (its components, box and ink extent) and is gone from
    the page's glyphs and lines: for a glyph that grouping split, found later by its character's parts."""
    joined, extent = joined_glyph(layout, keep, absorb, keep.id)
    glyphs = [joined if g.id == keep.id else g for g in layout.glyphs if g.id != absorb.id]
    extents = {gid: e for gid, e in layout.extents.items() if gid != absorb.id}
    extents[keep.id] = extent
    lines = [replace(line, glyph_ids=[gid for gid in line.glyph_ids if gid != absorb.id]) for line in layout.lines]
    return replace(layout, glyphs=glyphs, lines=lines, extents=extents)


def with_components(layout: PageLayout, glyph: Glyph, labels: Sequence[int]) -> PageLayout:
    """A new layout in which `glyph` also holds the ink components `labels` (ones detection set aside as
    specks: a dot the transcript says the letter has), with its box and ink extent grown to them."""
    ys, xs = np.nonzero(np.isin(layout.ink.components, labels))
    marks = replace(glyph, bbox=(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1),
                    components=tuple(int(v) for v in labels))
    grown, extent = joined_glyph(layout, glyph, marks, glyph.id)
    extents = {**layout.extents, glyph.id: extent}
    return replace(layout, glyphs=[grown if g.id == glyph.id else g for g in layout.glyphs], extents=extents)


def split_glyphs(layout: PageLayout, cuts: Sequence[Tuple[Glyph, np.ndarray]]) -> PageLayout:
    """A new layout in which each glyph of `cuts` is cut into pieces: `pieces` is an int map over the glyph's
    box (0, 1, 2 … left to right; −1 where nothing is said), and each piece's ink becomes a glyph (the first
    keeps the glyph's id, the next are `<id>b`, `<id>c` … — lengthened while the id is taken, as when a piece
    is cut again — in reading order after it). Ink components a cut
    crosses are relabelled on a copy of the page's component map; the ink itself is untouched. For letters
    that touch (glyphseg.split)."""
    if not cuts:
        return layout
    components = layout.ink.components.copy()
    next_label = int(components.max()) + 1
    replaced: Dict[str, List[Glyph]] = {}
    extents = dict(layout.extents)
    taken = {g.id for g in layout.glyphs}  # a piece cut again in a later round must not reuse an id
    for glyph, pieces in cuts:
        x0, y0, x1, y1 = glyph.bbox
        crop = components[y0:y1, x0:x1]
        n = int(pieces.max()) + 1
        labels: List[List[int]] = [[] for _ in range(n)]
        for lab in glyph.components:
            mine = crop == lab
            first = True
            for k in range(n):
                part = mine & (pieces == k)
                if not part.any():
                    continue
                if not first:  # a component the cut crosses: each further piece of it gets a label of its own
                    crop[part] = next_label
                    lab, next_label = next_label, next_label + 1
                labels[k].append(int(lab))
                first = False
        out = []
        for k, labs in enumerate(labels):
            rr, cc = np.nonzero(np.isin(crop, labs))
            box = (x0 + int(cc.min()), y0 + int(rr.min()), x0 + int(cc.max()) + 1, y0 + int(rr.max()) + 1)
            gid = glyph.id
            if k > 0:
                gid = glyph.id + chr(ord("a") + k)
                while gid in taken:
                    gid += chr(ord("a") + k)
                taken.add(gid)
            out.append(replace(glyph, id=gid, bbox=box, components=tuple(labs)))
            extents[gid] = _ink_extent(components, box, np.array(labs), layout.angle)
        replaced[glyph.id] = out
    glyphs = [p for g in layout.glyphs for p in replaced.get(g.id, [g])]
    lines = [replace(line, glyph_ids=[i for gid in line.glyph_ids
                                      for i in ([p.id for p in replaced[gid]] if gid in replaced else [gid])])
             for line in layout.lines]
    ink = replace(layout.ink, components=components)
    return replace(layout, ink=ink, glyphs=glyphs, lines=lines, extents=extents)
