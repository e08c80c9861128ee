"""Label: give detected glyphs their characters and UFO names (`label`, the stage's entry).

With a transcript (`--text`), glyphs in reading order are aligned to its characters by dynamic programming
(Needleman–Wunsch): a detection may be left unmatched (dust, an ornament), a character may be missing
(a glyph lost to detection), and the match cost says how well a glyph's ink zone — its top and bottom
relative to the baseline and its width, in em — fits where that character's ink sits in typical fonts
(glyphseg/data/char_zones.json, built by templates/build_char_zones.py). Without a transcript, glyphs are
recognised against the glyph templates (glyphseg.templates). Once labels say what glyphs are, glyphs that
grouping split are joined (`rejoin_split_glyphs`), the body size re-estimated, and labelling runs again.
"""
from __future__ import annotations

import bisect
import math
from collections import deque
from dataclasses import replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from fontTools import agl

from . import templates as templates_mod
from .templates import glyph_rasters
from .detect import join_glyphs, joined_glyph, with_components
from .metrics import (em_from_labels, em_from_lines, em_from_text_height, expected_zone, extent_zone, glyph_em_px,
                      glyph_zones, line_sizes, line_stems)
from .split import (JOINED_EM, MIN_PIECE_FIT, TOUCHING_EM, cut_between_lines, cut_held_glyphs, cut_unread_glyphs,
                    join_runs, joined_letter_counts, piece_group_costs, split_touching_glyphs)
from .types import Glyph, GlyphZone, Labelling, Page, PageLayout, bbox_union

GAP_COST = 4.0
HOLDS = 64  # align_groups' choice codes from here on: a glyph holding (code − HOLDS) characters
HELD_CHAR_COST = 0.5  # each character one glyph holds costs this share of the gap (a page's typical matched pair:
#                       the run's size alone tells less than one character's place, size and shape)
MAX_HELD = 24  # characters one glyph may hold: a line of a connected script set solid
TYPED_BY_LINE = 0.5  # a transcript whose line breaks mostly fall between printed lines was typed line by line ...
LINE_BREAK_GAPS = 8.0  # ... and its breaks then hold the alignment to the page's lines: a break matched is worth
#                        this many gaps (4 let Krause sheet 2's sample sentence drift a line; 8 and 16 held it)
GAP_PER_MATCH = 2.0  # the gap never costs less than twice the page's typical matched pair (`page_gap`)
SIGMA_TOP, SIGMA_BOTTOM, SIGMA_LOGW = 0.06, 0.05, 0.45
LABEL_ROUNDS = 16  # labelling passes at most: two, plus one after each further round that split or joined glyphs
#                   (each round makes one kind of change; 8 stopped the Krause sheets and script pages unsettled)
RESIZE_ROUNDS = 2  # rounds at most that only re-read glyphs because their line's size moved (`_sizes_moved`)
RESIZE_SHARE = 0.03  # a line's size (or the em) moved when it changed by more than this share
# Without a transcript a glyph keeps its recognised character only when recognition is sure of it (score: the
# softmax probability against the other characters) and the glyph looks like the character (fit: correlation
# with its best template). Set on fonts and scripts outside the template sources (benchmarks/
# recognition_calibration.md): glyphs of the benchmark's 16 text fonts fit their templates at a page median
# of 0.93–0.98 even on harsh prints; blackletter, script and Fraktur pages at 0.59–0.79 (Jessen 0.85–0.88).
MIN_SCORE = 0.5
MIN_FIT = 0.75
POOR_FIT = 0.8  # a glyph fitting its best template less than this fits no template well
SHAPES_DECIDE_CUTS = 0.7  # shape informativeness from which templates judge cuts of touching letters (below:
#                           thin seams do: scripts, blackletter, Fraktur fit their best templates at 0.72–0.79)
UNRELIABLE_SHARE = 0.5  # a page warning when more than this share of the glyphs fit no template well


# ----------------------------------------------------------------------------------------------------------
# the stage


def label(layouts: Sequence[PageLayout], pages: Sequence[Page], text: Optional[str] = None,
          recognise: bool = True, library: Optional[templates_mod.TemplateLibrary] = None,
          min_score: float = MIN_SCORE, min_fit: float = MIN_FIT) -> Labelling:
    """The label stage: every glyph's character (aligned to `text`, or recognised against the templates, or
    none when `recognise` is off), split glyphs joined, the body size estimated, UFO names given.

    Labels and body size depend on each other (a glyph's zone is measured in em; the em is measured from
    labelled glyphs), and a cut or a join changes both: so label, cut or join what the labels show (split.py,
    `rejoin_split_glyphs`), re-estimate the em, label again — while anything changes, at most LABEL_ROUNDS
    times.
    """
    stems = {(lay.page, k): v for lay in layouts for k, v in line_stems(lay).items()}
    layouts = line_sizes(list(layouts), pages, by_labels=False, stems=stems)
    ink_sizes = {(lay.page, ln.index): ln.size for lay in layouts for ln in lay.lines}
    em = em_from_lines(pages, layouts) or em_from_text_height(pages, layouts)
    line_starts = transcript_line_starts(text) if text else ()
    text = clean_text(text) if text else None
    notes: List[str] = []
    if text is not None or recognise:
        lib = library or templates_mod.library()
        layouts, em, lib = _label_rounds(layouts, pages, text, lib, em, stems, ink_sizes, line_starts)
    glyphs = [g for layout in layouts for g in layout.glyphs]
    if text is None and recognise:
        glyphs = _unsure_unlabelled(glyphs, layouts, lib, min_score, min_fit, notes)
    if text is not None:
        labelled = sum(1 for g in glyphs if g.char is not None)
        if labelled < len(text):
            notes.append(f"{len(text) - labelled} character(s) of the text were not found on the page(s)")
        if labelled < len(glyphs):
            notes.append(f"{len(glyphs) - labelled} detected glyph(s) matched no character of the text")
    glyphs, unicodes = assign_names(glyphs, name_unlabelled=text is None)
    layouts = _with_glyphs(layouts, glyphs)
    return Labelling(layouts=layouts, glyphs=glyphs, unicodes=unicodes, em_inch=em,
                     zones=glyph_zones(glyphs, pages, layouts, em), notes=notes)


def _unsure_unlabelled(glyphs, layouts, lib, min_score: float, min_fit: float, notes: List[str]) -> List[Glyph]:
    """Recognised glyphs with their label taken away where recognition is unsure (score below `min_score`, or
    fit below `min_fit`); a note when the labels of the page(s) cannot be trusted."""
    if not glyphs:
        return glyphs
    fits = 1.0 - lib.own_shape_costs(glyph_rasters(glyphs, layouts), [g.char for g in glyphs])
    warning = recognition_unreliable([g.score for g in glyphs], fits)
    if warning:
        notes.append(warning)
    unsure = [g.score < min_score or fit < min_fit for g, fit in zip(glyphs, fits)]
    if any(unsure):
        notes.append(f"{sum(unsure)} glyph(s) left unlabelled: recognition is unsure of them "
                     f"(score below {min_score:g} or no template fits well)")
    return [replace(g, char=None, score=0.0) if u else g for g, u in zip(glyphs, unsure)]  # unlabelled: score 0


def recognition_unreliable(scores: Sequence[float], fits: Sequence[float]) -> Optional[str]:
    """A warning when most glyphs fit no template well (a script or design the templates do not know), else
    None.

    >>> recognition_unreliable([0.9, 0.9, 0.8], [0.4, 0.5, 0.9]) is not None
    True
    """
    poor = sum(1 for f in fits if f < POOR_FIT)
    if len(fits) == 0 or poor <= UNRELIABLE_SHARE * len(fits):
        return None
    return (f"recognition is unreliable here: {poor} of {len(fits)} glyphs fit no template well (a script or design "
            "the templates do not know?); give the characters with --text")


def _label_rounds(layouts, pages, text, lib, em, stems, ink_sizes, line_starts=()
                  ) -> Tuple[List[PageLayout], float, templates_mod.TemplateLibrary]:
    """Label, split or join, re-estimate the lines' sizes and the em, until nothing more changes; returns the
    labelled layouts, the em and the templates asked. `line_starts`: where the transcript's lines begin
    (`transcript_line_starts`)."""
    # letters of two lines in one piece are cut apart first: each side is then read, aligned and cut on its line
    layouts, _ = cut_between_lines(layouts, pages, em)
    glyphs = [g for layout in layouts for g in layout.glyphs]
    rasters = glyph_rasters(glyphs, layouts)
    fits = lib.family_fits(rasters)
    # How far the templates judge shapes and cuts is measured against roman type's templates alone, as it was set
    # (blackletter fits its own templates at 0.79–0.83 and still reads worse: judged by them, Krause sheet 1's
    # sample words held runs of five letters that no cut then fitted)
    informative = shape_informativeness(fits[:, 0])
    if not looks_blackletter(fits):
        # roman type, or a script: roman type's templates alone, as before the blackletter ones; these half fit a
        # script's curves here and there and only add noise (Dancing Script's alphabet with them: "nop" one
        # glyph, F1 0.951 → 0.915)
        lib = lib.roman()
    columns = text if text is not None else lib.chars
    weight = templates_mod.SHAPE_WEIGHT * informative if text is not None else 1.0  # recognise() weighs shape itself
    shape = weight * lib.shape_costs(rasters, columns)
    by_shape = informative >= SHAPES_DECIDE_CUTS  # else thin seams judge cuts, and glyphs may hold joined letters
    held: List[Tuple[int, str]] = []
    runs_seen: dict = {}  # piece_group_costs' rasters of runs, kept from round to round
    resized = 0  # rounds that re-read glyphs only because sizes moved
    tried_wide: set = set()  # (id, box) of the wide glyphs cut_unread_glyphs has tried: each is tried once
    for rnd in range(LABEL_ROUNDS):
        glyphs = [g for layout in layouts for g in layout.glyphs]
        zones = glyph_zones(glyphs, pages, layouts, em)
        runs = []
        if text is not None:
            pieces = piece_group_costs(layouts, pages, glyphs, text, lib, em, match_costs, runs_seen)
            joined = None if by_shape else joined_letter_counts(layouts, pages, glyphs, em)
            glyphs, pairs, runs, held = label_with_text(glyphs, zones, text, extra_cost=shape, group_costs=pieces,
                                                        joined_letters=joined, line_starts=line_starts)
        else:
            glyphs, pairs = recognised_glyphs(glyphs, zones, shape, columns), None
        layouts = _with_glyphs(layouts, glyphs)
        changed = 0
        if runs:  # pieces of broken letters that matched one character together: one glyph, labelled already
            layouts, changed = join_runs(layouts, glyphs, runs)
        restored = 0
        if text is not None and not changed:  # dots the transcript asks for that detection took for dust (glyph
            #                                   ids and order stay: the pairs hold for the cuts and joins below)
            layouts, restored = restore_dropped_marks(layouts, pages, em, lib.topologies_of)
        if rnd < LABEL_ROUNDS - 1 and not changed and held:  # letters joined in one piece, as many as the text says
            layouts, changed = cut_held_glyphs(layouts, pages, glyphs, held, em)
        if rnd < LABEL_ROUNDS - 1 and not changed and text is not None:  # letters that touch, cut as the text says
            layouts, changed = split_touching_glyphs(layouts, pages, glyphs, pairs, text, lib, em,
                                                     by_shape=by_shape)
        if rnd < LABEL_ROUNDS - 1 and not changed and text is not None and by_shape:
            # touching letters past which the labels shifted (blackletter at its own spacing: T U V in one piece
            # labelled T, the W beside it U …; a bold face at tight tracking, two merged glyphs in a row): asked
            # again allowing wide glyphs to hold runs, and cut where the pieces look like their characters
            _, _, _, held_here = label_with_text(
                glyphs, zones, text, extra_cost=shape, group_costs=pieces, line_starts=line_starts,
                joined_letters=joined_letter_counts(layouts, pages, glyphs, em, TOUCHING_EM))
            layouts, changed = cut_held_glyphs(layouts, pages, glyphs, held_here, em, lib)
        if rnd < LABEL_ROUNDS - 1 and not changed:  # (a split first relabels: the pairs are then stale)
            judge = _pair_judge(pages, layouts, glyphs, em, lib, text, pairs)
            layouts, changed = rejoin_split_glyphs(layouts, lib.topologies_of, templates_mod.topology, judge)
        if rnd < LABEL_ROUNDS - 1 and not changed and text is None and informative >= 1.0:
            # without a transcript, on pages the templates read well (a median fit of 0.9 or more: not Fraktur,
            # blackletter or a script, whose letters read as pieces of others): glyphs that read as no letter,
            # cut where every piece reads as one (after the rejoining: a split % reads as no letter either)
            layouts, changed = cut_unread_glyphs(layouts, pages, glyphs, shape, em, lib, match_costs, POOR_FIT,
                                                 MIN_SCORE)
        elif rnd < LABEL_ROUNDS - 1 and not changed and text is None:
            # ... and on the others (Fraktur, blackletter, scripts, bold type printed harshly), where what a glyph
            # reads as says little: a glyph wider than any one letter is letters joined (a script's word, Fraktur
            # letters touching), cut where its pieces read best and fit their letters, both on average
            layouts, changed = cut_unread_glyphs(layouts, pages, glyphs, shape, em, lib, match_costs, MIN_PIECE_FIT,
                                                 joined_em=JOINED_EM, tried=tried_wide)
        changed += restored
        if changed:
            glyphs = [g for layout in layouts for g in layout.glyphs]
            shape = weight * lib.shape_costs(glyph_rasters(glyphs, layouts), columns)
        # a transcript's labels on a design the templates know measure each line's em well enough alone, and so
        # do recognition's sure labels on a page the templates read well (as for cut_unread_glyphs); on scripts
        # and blackletter one size's lines differ by more (swash capitals, the zone table's bias)
        reads_well = text is None and informative >= 1.0
        sized = layouts
        layouts = line_sizes(layouts, pages, by_labels=True, stems=stems, fallback=ink_sizes,
                             transcribed=text is not None, ems_decide=by_shape if text is not None else reads_well,
                             untwinned=reads_well)
        em_before, em = em, em_from_labels(glyphs, pages, layouts) or em
        # the labels were read in the zones of the sizes before: where a line's size moved (a display line first
        # sized with the body, as ink alone could not tell 24 from 18 pt), they are read again in its own zones
        moved = _sizes_moved(sized, layouts, em_before, em)
        if rnd >= 1 and not changed and not (moved and resized < RESIZE_ROUNDS):
            break
        resized += bool(moved and not changed)
    return layouts, em, lib


def _sizes_moved(before: Sequence[PageLayout], after: Sequence[PageLayout], em_before: float, em_after: float
                 ) -> bool:
    """Whether a line's size, or the em, changed by more than RESIZE_SHARE between two layouts of the same lines.

    >>> from glyphseg.types import Line
    >>> lay = PageLayout(0, None, [], [Line(0, 0, [], 0.0, size=1.0)], 40.0, 0.0, {}, {})
    >>> _sizes_moved([lay], [replace(lay, lines=[replace(lay.lines[0], size=1.3)])], 0.2, 0.2)
    True
    >>> _sizes_moved([lay], [lay], 0.2, 0.201)
    False
    """
    if abs(em_after / em_before - 1) > RESIZE_SHARE:
        return True
    sizes = {(lay.page, ln.index): ln.size for lay in before for ln in lay.lines}
    return any(abs(ln.size / sizes.get((lay.page, ln.index), ln.size) - 1) > RESIZE_SHARE
               for lay in after for ln in lay.lines)


def shape_informativeness(fits: np.ndarray) -> float:
    """How much the template shapes can tell on these pages (0–1), from how well their glyphs fit their best
    roman templates (`fits`: each glyph's best correlation). Latin pages fit at a median of 0.93–0.98 even
    printed harshly (benchmarks/recognition_calibration.md): full weight. Blackletter, Fraktur and scripts fit
    at 0.6–0.79: there the shapes mostly add noise to the alignment, so their weight falls off linearly from a
    median fit of 0.9 to nothing at 0.5.

    >>> shape_informativeness(np.array([0.95, 0.9])), round(shape_informativeness(np.array([0.6, 0.6])), 2)
    (1.0, 0.25)
    """
    if fits.size == 0:
        return 1.0
    return float(np.clip((float(np.median(fits)) - 0.5) / 0.4, 0.0, 1.0))


def looks_blackletter(family_fits: np.ndarray) -> bool:
    """The page's glyphs fit the blackletter templates better than roman type's, by their medians
    (`family_fits`: glyphs × [roman, blackletter], `TemplateLibrary.family_fits`). A page is set in one kind of
    type: on a roman page or a script's, a glyph that half fits some blackletter template is not known better
    for it.

    >>> looks_blackletter(np.array([[0.7, 0.8], [0.75, 0.8], [0.6, 0.7]])), looks_blackletter(np.array([[0.9, 0.8]]))
    (True, False)
    """
    if family_fits.ndim != 2 or family_fits.shape[1] < 2 or family_fits.shape[0] == 0:
        return False
    medians = np.median(family_fits, axis=0)
    return bool(medians[1] > medians[0])


def _with_glyphs(layouts: Sequence[PageLayout], glyphs: Sequence[Glyph]) -> List[PageLayout]:
    """The layouts with their glyphs replaced by the records of the same id in `glyphs`."""
    by_id = {g.id: g for g in glyphs}
    return [replace(layout, glyphs=[by_id.get(g.id, g) for g in layout.glyphs]) for layout in layouts]


def recognised_glyphs(glyphs: Sequence[Glyph], zones: Sequence[GlyphZone], shape_cost: np.ndarray,
                      chars: Sequence[str]) -> List[Glyph]:
    """Without a transcript: each glyph labelled with the template character it reads as best."""
    best, prob, _ = templates_mod.recognise(shape_cost, match_costs(zones, "".join(chars)), chars)
    return [replace(g, char=ch, score=float(p)) for g, ch, p in zip(glyphs, best, prob)]


def _pair_judge(pages, layouts, glyphs, em, lib, text, pairs) -> "PairJudge":
    """What a pair of overlapping neighbours would be joined: with a transcript, by what the alignment left
    over; without, by recognising the pair joined."""
    describe = _joined_describer(pages, em)
    recognised = templates_mod.recognition_judge(lib, describe, match_costs)
    if text is None:
        return recognised

    def fits_better_joined(det, labelled, other) -> bool:
        alone = extent_zone(det, labelled, det.extents[labelled.id],
                            glyph_em_px(det, labelled, em, pages[det.page].dpi))
        return zone_fits_better(labelled.char, alone, describe(det, labelled, other)[1])

    return transcript_judge(glyphs, pairs, text, lib.topologies_of, templates_mod.topology,
                            recognise_pair=recognised, fits_better_joined=fits_better_joined)


def _joined_describer(pages, em):
    """For recognising a pair of glyphs joined: the joined glyph's normalised raster and ink zone."""

    def describe(layout, a, b):
        joined, extent = joined_glyph(layout, a, b, gid="joined pair")
        zone = extent_zone(layout, joined, extent, glyph_em_px(layout, a, em, pages[layout.page].dpi))
        return glyph_rasters([joined], [layout])[0], zone

    return describe


# ----------------------------------------------------------------------------------------------------------
# alignment to a transcript


def clean_text(text: str) -> str:
    """The characters to align: whitespace is not shown on a specimen."""
    return "".join(ch for ch in text if not ch.isspace())


def transcript_line_starts(text: str) -> Tuple[int, ...]:
    """Where each line of a transcript after the first begins, as an index into its cleaned characters (blank
    lines count for nothing).

    >>> transcript_line_starts("ab c\\n\\nde\\nf")
    (3, 5)
    """
    starts, seen = [], 0
    for line in text.splitlines():
        count = len(clean_text(line))
        if count and seen:
            starts.append(seen)
        seen += count
    return tuple(starts)


def match_costs(zones: Sequence[GlyphZone], text: str) -> np.ndarray:
    """Cost of labelling glyph i with character j: 0 for a perfect fit of the ink zone, capped per feature."""
    g = np.array([[z.top, z.bottom, z.width] for z in zones], float).reshape(-1, 3)
    e = np.array([expected_zone(ch) for ch in text], float).reshape(-1, 3)
    return zone_distance(g[:, None, 0], g[:, None, 1], g[:, None, 2], e[None, :, 0], e[None, :, 1], e[None, :, 2])


def zone_distance(top, bottom, width, expected_top, expected_bottom, expected_width):
    """How far ink at (top, bottom, width) is from where a character's ink is expected, feature by feature in
    units of its spread, each capped at 6 (arrays broadcast)."""
    d_top = np.minimum(np.abs(top - expected_top) / SIGMA_TOP, 6.0)
    d_bot = np.minimum(np.abs(bottom - expected_bottom) / SIGMA_BOTTOM, 6.0)
    d_w = np.minimum(np.abs(np.log(np.maximum(width, 1e-3) / np.maximum(expected_width, 1e-3))) / SIGMA_LOGW, 6.0)
    return d_top + d_bot + d_w


def align(cost: np.ndarray, gap: float = GAP_COST) -> List[Tuple[int, int]]:
    """Global alignment of glyphs (rows) to characters (columns); returns the matched (i, j) pairs.

    >>> c = np.array([[0.0, 9, 9], [9, 9, 0.0]])  # glyph 0 is char 0, glyph 1 is char 2, char 1 is missing
    >>> align(c)
    [(0, 0), (1, 2)]
    """
    return [(i, j) for i, _, j, _ in align_groups(cost, gap)]


def align_groups(cost: np.ndarray, gap: float = GAP_COST, group_costs: Sequence[np.ndarray] = (),
                 text_runs: Optional[Dict[int, np.ndarray]] = None) -> List[Tuple[int, int, int, int]]:
    """Global alignment of glyphs (rows) to characters (columns) in which a character may also match a run
    of consecutive glyphs — the pieces of a broken letter — and a glyph a run of consecutive characters —
    letters joined in one piece of ink. `group_costs[k - 2][i, j]` is the cost of glyphs i … i+k−1 together
    being character j (inf where they cannot be); `text_runs[i][k - 2, j]` that of glyph i holding characters
    j … j+k−1. Returns (first glyph, glyphs, first character, characters) steps in order.

    Row-vectorised DP: the in-row recurrence D[j] = min(A[j], D[j-1] + gap) is a running minimum.

    >>> c = np.array([[5.0, 9], [5.0, 9], [9, 0.0]])  # glyphs 0 and 1 are halves of char 0
    >>> align_groups(c, 4.0, [np.array([[1.0, 9], [9, 9], [np.inf, np.inf]])])
    [(0, 2, 0, 1), (2, 1, 1, 1)]
    >>> c = np.array([[9.0, 9, 9], [9, 9, 0]])  # glyph 0 is chars 0 and 1 joined
    >>> align_groups(c, 4.0, text_runs={0: np.array([[1.0, 9, np.inf]])})
    [(0, 1, 0, 2), (1, 1, 2, 1)]
    """
    text_runs = text_runs or {}
    n, m = cost.shape
    cols = np.arange(m + 1)
    rows = deque([cols * gap], maxlen=len(group_costs) + 2)  # the last rows of D; D[0][j]: j characters missing
    # choice: 0 = match (diagonal), 1 = glyph unmatched (up), 2 = character missing (left), k + 1 = k glyphs
    choice = np.zeros((n + 1, m + 1), np.int8)
    choice[0, 1:] = 2
    for i in range(1, n + 1):
        prev = rows[-1]
        diag = np.full(m + 1, np.inf)
        diag[1:] = prev[:-1] + cost[i - 1]
        up = prev + gap
        a = np.minimum(diag, up)
        pick = np.where(diag <= up, 0, 1).astype(np.int8)
        for k, gc in enumerate(group_costs, start=2):
            if i - k < 0:
                continue
            grouped = np.full(m + 1, np.inf)
            grouped[1:] = rows[-k][:-1] + gc[i - k]
            better = grouped < a
            pick[better] = k + 1
            a = np.where(better, grouped, a)
        for k, rc in enumerate(text_runs.get(i - 1, ()), start=2):
            if k > m:
                break
            held = np.full(m + 1, np.inf)
            held[k:] = prev[:m + 1 - k] + rc[:m + 1 - k]
            better = held < a
            pick[better] = HOLDS + k
            a = np.where(better, held, a)
        # left moves: D[j] = min_k≤j (a[k] + (j-k)·gap)
        shifted = a - cols * gap
        run = np.minimum.accumulate(shifted)
        cur = run + cols * gap
        left = cur < a - 1e-12
        pick[left] = 2
        choice[i] = pick
        rows.append(cur)
    out = []
    i, j = n, m
    while i > 0 or j > 0:
        c = choice[i, j] if i > 0 else 2
        if j == 0:
            c = 1
        if c == 0:
            out.append((i - 1, 1, j - 1, 1))
            i, j = i - 1, j - 1
        elif c == 1:
            i -= 1
        elif c == 2:
            j -= 1
        elif c >= HOLDS:
            k = int(c) - HOLDS
            out.append((i - 1, 1, j - k, k))
            i, j = i - 1, j - k
        else:
            k = int(c) - 1
            out.append((i - k, k, j - 1, 1))
            i, j = i - k, j - 1
    return out[::-1]


def label_with_text(glyphs: Sequence[Glyph], zones: Sequence[GlyphZone], text: str,
                    extra_cost: Optional[np.ndarray] = None, group_costs: Sequence[np.ndarray] = (),
                    joined_letters: Optional[Sequence[int]] = None, line_starts: Sequence[int] = ()
                    ) -> Tuple[List[Glyph], List[Tuple[int, int]], List[Tuple[int, int]], List[Tuple[int, str]]]:
    """The glyphs (already in reading order) labelled from the transcript — new records with `char` and
    `score`, None and 0 where nothing matched — the aligned (glyph index, text index) pairs, the runs
    (first glyph index, glyphs) that matched one character together (pieces of a broken letter; the first
    carries the label), and the glyphs that hold several characters (glyph index, its characters; labelled with
    the first). `extra_cost` (glyphs × characters), e.g. template shape costs, is added to the zone
    costs; `group_costs` are those of runs of 2, 3 … glyphs (see `align_groups`); `joined_letters`, how many
    letters each glyph may hold (glyphseg.split.joined_letter_counts), lets a glyph hold a run of characters
    (`held_run_costs`): letters that the page joins in one piece of ink. `line_starts` (indices into the
    cleaned text where the transcript's lines begin) keep the alignment in step with the page's lines
    (`align_lines`)."""
    text = clean_text(text)
    labels: Dict[int, Tuple[str, float]] = {}
    pairs: List[Tuple[int, int]] = []
    runs: List[Tuple[int, int]] = []
    held: List[Tuple[int, str]] = []
    if glyphs and text:
        cost = match_costs(zones, text)
        if extra_cost is not None:
            cost = cost + extra_cost
        glyph_line_starts = [i for i in range(1, len(glyphs))
                             if (glyphs[i].page, glyphs[i].line) != (glyphs[i - 1].page, glyphs[i - 1].line)]

        def holding_at(gap):
            return held_run_costs(zones, text, gap, joined_letters) if joined_letters else None

        holding = holding_at(GAP_COST)
        steps = align_groups(cost, GAP_COST, group_costs, holding)
        gap = page_gap(cost, steps)
        if gap > GAP_COST:
            holding = holding_at(gap)
            steps = align_groups(cost, gap, group_costs, holding)
        if glyph_line_starts and line_starts and (
                breaks_kept(steps, [(g.page, g.line) for g in glyphs], line_starts) >= TYPED_BY_LINE):
            # at the same gap, so with the same held-run costs
            steps = align_lines(cost, gap, group_costs, holding, glyph_line_starts, line_starts,
                                LINE_BREAK_GAPS * gap)
        for i, k, j, n_chars in steps:
            if n_chars > 1:
                c = holding[i][n_chars - 2, j]
                held.append((i, text[j:j + n_chars]))
            else:
                c = cost[i, j] if k == 1 else group_costs[k - 2][i, j]
            labels[i] = (text[j], float(math.exp(-c / GAP_COST)))
            pairs.append((i, j))
            if k > 1:
                runs.append((i, k))
    labelled = [replace(g, char=labels[i][0], score=labels[i][1]) if i in labels else replace(g, char=None, score=0.0)
                for i, g in enumerate(glyphs)]
    return labelled, pairs, runs, held


def breaks_kept(steps: Sequence[Tuple[int, int, int, int]], glyph_lines: Sequence[tuple],
                line_starts: Sequence[int]) -> float:
    """The share of the transcript's line breaks that an alignment (`align_groups` steps) puts between two
    printed lines: the last character matched before the break and the first after it lie on different lines.
    A transcript typed line by line keeps nearly all; one wrapped elsewhere only those that fall where a
    printed line ends by chance.

    >>> steps = [(0, 1, 0, 1), (1, 1, 1, 1), (2, 1, 2, 1)]  # three glyphs, three characters
    >>> breaks_kept(steps, [0, 0, 1], [2]), breaks_kept(steps, [0, 0, 1], [1])
    (1.0, 0.0)
    """
    line_of = {}
    for i, _, j, chars in steps:
        for c in range(j, j + chars):
            line_of[c] = glyph_lines[i]
    matched = sorted(line_of)
    kept = seen = 0
    for start in line_starts:
        k = bisect.bisect_left(matched, start)
        if 0 < k < len(matched):
            seen += 1
            kept += line_of[matched[k - 1]] != line_of[matched[k]]
    return kept / seen if seen else 0.0


def align_lines(cost: np.ndarray, gap: float, group_costs: Sequence[np.ndarray],
                text_runs: Optional[Dict[int, np.ndarray]], row_breaks: Sequence[int], col_breaks: Sequence[int],
                break_gap: float = 0.0) -> List[Tuple[int, int, int, int]]:
    """`align_groups` with line breaks on both sides: a break row before each glyph in `row_breaks` (the first
    of a page line) and a break column before each character in `col_breaks` (the first of a transcript line).
    A break matches only a break, and each such match earns `break_gap` (a negative cost); one left unmatched
    costs a gap like any glyph or character. So a transcript typed line by line keeps the alignment in step
    with the page's lines (a word the page joins, left short, cannot pull the next line's letters onto this
    one). Returns the steps in the glyph and character indices of `cost`.

    >>> c = np.array([[0.0, 9, 9], [9, 0.0, 3]])  # glyph 1 looks most like char 1, a little like char 2
    >>> align_groups(c, 4.0)
    [(0, 1, 0, 1), (1, 1, 1, 1)]
    >>> align_lines(c, 4.0, (), None, [1], [2])  # but glyph 1 begins a page line, and char 2 the text's second
    [(0, 1, 0, 1), (1, 1, 2, 1)]
    """
    n, m = cost.shape
    rows = np.arange(n) + np.searchsorted(np.asarray(row_breaks), np.arange(n), side="right")
    cols = np.arange(m) + np.searchsorted(np.asarray(col_breaks), np.arange(m), side="right")
    big_n, big_m = n + len(row_breaks), m + len(col_breaks)
    is_row, is_col = np.zeros(big_n, bool), np.zeros(big_m, bool)
    is_row[rows], is_col[cols] = True, True
    grown = np.full((big_n, big_m), np.inf)
    grown[np.ix_(rows, cols)] = cost
    grown[np.ix_(~is_row, ~is_col)] = -break_gap
    grown_groups = []
    for k, gc in enumerate(group_costs, start=2):
        g = np.full((big_n, big_m), np.inf)
        whole = [i for i in range(n - k + 1) if rows[i + k - 1] - rows[i] == k - 1]  # no line break inside
        g[np.ix_(rows[whole], cols)] = gc[whole]
        grown_groups.append(g)
    grown_runs = None
    if text_runs:
        grown_runs = {}
        most = max(rc.shape[0] for rc in text_runs.values()) + 1
        whole_runs = {k: np.array([j for j in range(m - k + 1) if cols[j + k - 1] - cols[j] == k - 1], int)
                      for k in range(2, most + 1)}  # runs of k characters with no line break inside
        for i, rc in text_runs.items():
            r = np.full((rc.shape[0], big_m), np.inf)
            for k in range(2, rc.shape[0] + 2):
                whole = whole_runs[k]
                r[k - 2, cols[whole]] = rc[k - 2, whole]
            grown_runs[int(rows[i])] = r
    row_of = np.full(big_n, -1)
    row_of[rows] = np.arange(n)
    col_of = np.full(big_m, -1)
    col_of[cols] = np.arange(m)
    return [(int(row_of[i]), k, int(col_of[j]), chars)
            for i, k, j, chars in align_groups(grown, gap, grown_groups, grown_runs) if is_row[i]]


def held_run_costs(zones: Sequence[GlyphZone], text: str, gap: float, most: Sequence[int]) -> Dict[int, np.ndarray]:
    """For the alignment (`align_groups`' text runs): glyph index → costs [k − 2, j] of the glyph holding
    characters j … j+k−1 joined: its ink zone against theirs together (the highest top, the lowest bottom, the
    widths summed), priced as `match_costs` prices one character (`zone_distance`), plus HELD_CHAR_COST ×
    `gap` for each character.
    Glyph i holds at most `most[i]` characters (and MAX_HELD).

    >>> zones = [GlyphZone(0.7, 0.0, 1.4), GlyphZone(0.48, 0.0, 0.47)]  # a joined "Wo", then an "o"
    >>> costs = held_run_costs(zones, "Woo", 4.0, most=[3, 1])
    >>> list(costs), costs[0].shape, int(np.argmin(costs[0][0]))  # up to 3 characters; of two, "Wo" fits best
    ([0], (2, 3), 0)
    """
    e = np.array([expected_zone(ch) for ch in text], float).reshape(-1, 3)
    m = len(e)
    out: Dict[int, np.ndarray] = {}
    k_most = min(MAX_HELD, m, max(most, default=1))
    if k_most < 2:
        return out
    windows = []  # per k: (top, bottom, width) of every run of k characters
    for k in range(2, k_most + 1):
        view = np.lib.stride_tricks.sliding_window_view
        windows.append((view(e[:, 0], k).max(axis=1), view(e[:, 1], k).min(axis=1), view(e[:, 2], k).sum(axis=1)))
    for i, z in enumerate(zones):
        k_here = min(k_most, most[i])
        if k_here < 2:
            continue
        costs = np.full((k_here - 1, m), np.inf)
        for k in range(2, k_here + 1):
            top, bottom, width = windows[k - 2]
            fit = zone_distance(z.top, z.bottom, z.width, top, bottom, width)
            costs[k - 2, :m - k + 1] = fit + HELD_CHAR_COST * gap * k
        out[i] = costs
    return out


def zone_fits_better(char: str, before: GlyphZone, after: GlyphZone) -> bool:
    """Whether ink at zone `after` fits where `char`'s ink sits in typical fonts better than at `before` (a
    letter with a piece or a mark added, against the letter alone)."""
    return bool(match_costs([after], char)[0, 0] < match_costs([before], char)[0, 0])


def page_gap(cost: np.ndarray, steps: Sequence[Tuple[int, int, int, int]]) -> float:
    """The gap cost for these pages: GAP_COST, or GAP_PER_MATCH times the median cost of the glyph–character
    pairs a first alignment (`steps`, at GAP_COST) matched, whichever is larger.

    The costs measure how far a glyph is from where typical fonts put a character's ink and from its template
    shapes. On Latin prints, clean or harsh, a true pair costs little and GAP_COST is well above it. A design far
    from the typical fonts — blackletter, Fraktur, a script — costs more in every pair, true ones included; at a
    fixed gap the alignment then drops its poorer-fitting true pairs, glyph and character both, rather than pay
    for them (Kant 1784 p.17: a median matched pair costs 4.9, and 116 of 661 glyphs were left unlabelled). The
    gap follows the page's own typical cost instead: what counts is how a pair compares with the page's others.

    >>> cost = np.full((3, 3), 9.0); np.fill_diagonal(cost, 6.0)  # every true pair costs 6
    >>> page_gap(cost, align_groups(cost, GAP_COST)) == GAP_PER_MATCH * 6.0 > GAP_COST
    True
    """
    matched = [cost[i, j] for i, k, j, chars in steps if k == 1 and chars == 1]
    if not matched:
        return GAP_COST
    return max(GAP_COST, GAP_PER_MATCH * float(np.median(matched)))


# ----------------------------------------------------------------------------------------------------------
# joining glyphs that grouping split

PairJudge = Callable[[PageLayout, Glyph, Glyph], Optional[str]]


def rejoin_split_glyphs(layouts: Sequence[PageLayout], topologies_of: Callable[[str], set],
                        topology: Callable[[np.ndarray], Tuple[int, int]],
                        judge: PairJudge) -> Tuple[List[PageLayout], int]:
    """Join glyphs that grouping split (a ring of % set beside its slash, the boxes overlapping too little to
    be grouped as nested), once labelling says what they are.

    Candidates are neighbours on a line that overlap along it. `judge(layout, a, b)` names the character the
    pair would be together, or None (`transcript_judge`, `templates.recognition_judge`); the pair is joined
    (glyphseg.detect.join_glyphs) when together it has the parts and counters that character has in the
    reference fonts (`topologies_of(char)`, a set of (parts, holes)). Returns the new layouts and how many
    pairs were joined.
    """
    out, joined = [], 0
    for layout in layouts:
        for li in range(len(layout.lines)):
            k = 0
            by_id = {g.id: g for g in layout.glyphs}
            while k + 1 < len(layout.lines[li].glyph_ids):
                ids = layout.lines[li].glyph_ids
                a, b = by_id[ids[k]], by_id[ids[k + 1]]
                overlap = layout.extents[a.id][2] > layout.extents[b.id][0]  # along the line
                char = judge(layout, a, b) if overlap else None
                expected = topologies_of(char) if char is not None else set()
                # (a character without templates has no parts to check: the judge decided by its ink zone)
                if char is not None and (not expected or glyph_topology(layout, [a, b], topology) in expected):
                    keep, absorb = (b, a) if a.char is None and b.char is not None else (a, b)
                    layout = join_glyphs(layout, keep, absorb)
                    by_id = {g.id: g for g in layout.glyphs}
                    joined += 1
                    continue  # the joined glyph meets its next neighbour
                k += 1
        out.append(layout)
    return out, joined


MARK_REACH = 0.6  # a dropped mark is sought up to this many text heights above or below its letter ...
MARK_SIDE = 0.3  # ... and this share of the letter's width beyond either side
MARK_SHORTFALL = 0.1  # em: a letter whose ink stops this far short of its character's typical top or bottom
MIN_MARK_PX = 3  # a mark has at least this many pixels (one or two are the paper's grain)


def restore_dropped_marks(layouts: Sequence[PageLayout], pages: Sequence[Page], em_inch: float,
                          topologies_of: Callable[[str], set]) -> Tuple[List[PageLayout], int]:
    """Give labelled letters the marks detection set aside as specks. A Fraktur i's dot at 300 dpi is 5–7 px,
    the size of show-through dust, so detection drops it; the transcript says the glyph is an i, an i has a
    separate dot in the reference fonts, and its ink reaches well above the x-height. A glyph labelled with a
    character of separate parts (`topologies_of`: i j ä ! ? ; …) whose ink stops MARK_SHORTFALL em short of
    the character's typical top (or bottom: the point of ! ?) takes the largest component no glyph holds
    on that side within MARK_REACH text heights — and any beside it at the same height (the second dot of an
    umlaut) — when its ink zone then fits its character better. (By parts, not zones, a dotless i whose stem
    is broken in two would look whole.) Returns the new layouts and how many glyphs gained a mark."""
    out, restored = [], 0
    for layout in layouts:
        held = {c for g in layout.glyphs for c in g.components}
        comps = layout.ink.components
        reach = MARK_REACH * layout.text_height
        for g in list(layout.glyphs):
            if g.char is None or len(g.char) != 1 or min((p for p, _ in topologies_of(g.char)), default=1) < 2:
                continue
            em_px = glyph_em_px(layout, g, em_inch, pages[layout.page].dpi)
            zone = extent_zone(layout, g, layout.extents[g.id], em_px)
            top, bottom, _ = expected_zone(g.char)
            x0, y0, x1, y1 = g.bbox
            side = int(round(MARK_SIDE * (x1 - x0)))
            rx0, rx1 = max(0, x0 - side), min(comps.shape[1], x1 + side)
            if top - zone.top > MARK_SHORTFALL:
                ry0, ry1, far = max(0, int(y0 - reach)), y0, 0  # far: the window's row away from the letter
            elif zone.bottom - bottom > MARK_SHORTFALL:
                ry0, ry1, far = y1, min(comps.shape[0], int(y1 + reach)), -1
            else:
                continue
            window = comps[ry0:ry1, rx0:rx1]
            labels, counts = np.unique(window, return_counts=True)
            free = [(int(n), int(lab)) for lab, n in zip(labels, counts)
                    if lab != 0 and lab not in held and n >= MIN_MARK_PX]
            # whole inside the window: a mark, not a piece of a neighbour's ink reaching in
            whole = [(n, lab) for n, lab in free if not _reaches_out(window == lab, far)]
            if not whole:
                continue
            largest = max(whole)[1]
            rows = np.nonzero((window == largest).any(axis=1))[0]
            chosen = [lab for _, lab in whole
                      if np.any((window[rows.min():rows.max() + 1] == lab))]  # at the largest mark's height
            grown = with_components(layout, g, chosen)
            grown_zone = extent_zone(grown, g, grown.extents[g.id], em_px)
            if zone_fits_better(g.char, zone, grown_zone):
                layout = grown
                held.update(chosen)
                restored += 1
        out.append(layout)
    return out, restored


def _reaches_out(mask: np.ndarray, far_row: int) -> bool:
    """The component continues beyond the window: across its far row or its sides."""
    return bool(mask[far_row].any() or mask[:, 0].any() or mask[:, -1].any())


def glyph_topology(layout: PageLayout, members: Sequence[Glyph], topology) -> Tuple[int, int]:
    """(parts, holes) of the ink of `members` together."""
    x0, y0, x1, y1 = bbox_union([g.bbox for g in members])
    labels = [lab for g in members for lab in g.components]
    return topology(np.isin(layout.ink.components[y0:y1, x0:x1], labels))


def transcript_judge(glyphs: Sequence[Glyph], pairs: Sequence[Tuple[int, int]], text: str,
                     topologies_of: Callable[[str], set], topology,
                     recognise_pair: Optional[PairJudge] = None,
                     fits_better_joined: Optional[Callable[[PageLayout, Glyph, Glyph], bool]] = None) -> PairJudge:
    """With a transcript (`pairs` of glyph index, text index from `label_with_text`), a split glyph shows up
    as a labelled glyph with fewer parts than its character has next to a detection that matched nothing,
    or as two detections that matched nothing where the text has a character missing. Where several are
    missing there (a split ; beside a split :), `recognise_pair` names the pair, if it reads as one of them.
    A character without templates (no parts known: ſ, a ligature) takes the neighbour that matched nothing
    when its ink zone fits the character better with it (`fits_better_joined(det, labelled, other)`): a long s
    whose flag broke off is too short alone."""
    text = clean_text(text)
    position = {g.id: i for i, g in enumerate(glyphs)}
    matched_j = np.full(len(glyphs), -1)
    for i, j in pairs:
        matched_j[i] = j

    def missing_between(i0: int, i1: int) -> str:
        before = [matched_j[i] for i in range(i0 - 1, -1, -1) if matched_j[i] >= 0][:1] or [-1]
        after = [matched_j[i] for i in range(i1 + 1, len(glyphs)) if matched_j[i] >= 0][:1] or [len(text)]
        return text[before[0] + 1:after[0]]

    def judge(det, a: Glyph, b: Glyph) -> Optional[str]:
        if a.char is None and b.char is None:
            missing = missing_between(position[a.id], position[b.id])
            if len(missing) == 1:
                return missing
            named = recognise_pair(det, a, b) if missing and recognise_pair is not None else None
            return named if named is not None and named in missing else None
        if (a.char is None) == (b.char is None):
            return None
        labelled = a if a.char is not None else b
        expected = topologies_of(labelled.char)
        if expected and glyph_topology(det, [labelled], topology) not in expected:
            return labelled.char
        other = b if labelled is a else a
        if not expected and fits_better_joined is not None and fits_better_joined(det, labelled, other):
            return labelled.char
        return None

    return judge


def glyph_name(ch: str) -> str:
    """AGL name of a character (A, a, zero, adieresis, percent …), uniXXXX beyond the AGL.

    >>> glyph_name("ä"), glyph_name("0"), glyph_name("€")
    ('adieresis', 'zero', 'Euro')
    """
    cp = ord(ch)
    name = agl.UV2AGL.get(cp)
    if name:
        return name
    return f"uni{cp:04X}" if cp <= 0xFFFF else f"u{cp:05X}"


def assign_names(glyphs: Sequence[Glyph], name_unlabelled: bool = True) -> Tuple[List[Glyph], Dict[str, Optional[int]]]:
    """UFO glyph names: the first instance of a character gets its AGL name (and its unicode), further
    instances alternates (a.alt1, a.alt2 …); unlabelled glyphs glyph0001 … — or, when a transcript was
    given and they matched none of it (`name_unlabelled=False`), no name: they stay out of the font. A
    decorated initial kept as a glyph (`Glyph.initial`) is W.initial (W.initial1 …; initial1 … unlabelled),
    without a unicode: the plain letter keeps it.
    Returns the named glyphs (new records) and name → unicode.

    >>> named, unicodes = assign_names([Glyph("1", 0, (0, 0, 1, 1), (), char=c) for c in "aba"])
    >>> [g.name for g in named], unicodes["a.alt1"]
    (['a', 'b', 'a.alt1'], None)
    >>> named, unicodes = assign_names([Glyph("1", 0, (0, 0, 1, 1), (), char="W", initial=True),
    ...                                 Glyph("2", 0, (0, 0, 1, 1), (), char="W")])
    >>> [g.name for g in named], unicodes
    (['W.initial', 'W'], {'W.initial': None, 'W': 87})
    """
    unicodes: Dict[str, Optional[int]] = {}
    seen: Dict[str, int] = {}
    unlabelled = 0
    named = []
    for g in glyphs:
        if g.initial:
            base = f"{glyph_name(g.char)}.initial" if g.char is not None else "initial"
            k = seen.get(base, 0 if g.char is not None else 1)
            seen[base] = k + 1
            name = base + (str(k) if k else "")
            unicodes[name] = None
            named.append(replace(g, name=name))
            continue
        if g.char is None:
            name = None
            if name_unlabelled:
                unlabelled += 1
                name = f"glyph{unlabelled:04d}"
                unicodes[name] = None
            named.append(replace(g, name=name))
            continue
        base = glyph_name(g.char)
        k = seen.get(base, 0)
        seen[base] = k + 1
        name = base if k == 0 else f"{base}.alt{k}"
        unicodes[name] = ord(g.char) if k == 0 else None
        named.append(replace(g, name=name))
    return named, unicodes
