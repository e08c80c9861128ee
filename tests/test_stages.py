"""Stage-level tests with known answers."""
import math
import os

import cv2
import numpy as np
import pytest

from glyphseg.detect import MIN_SLANT_DEG, _group_components, detect, glyphs_slant
from glyphseg.geometry import drawing_to_shape, iou
from glyphseg.ingest import parse_page_ranges
from glyphseg.label import align, assign_names, glyph_name
from glyphseg.score import match_boxes
from glyphseg.specimen import degrade, render_specimen, rotate_specimen
from glyphseg.types import Glyph, GlyphMask, GlyphsegError, Page
from glyphseg.vectorize import signed_area, trace

from conftest import font_path


def ink_shares(layout, lab):
    """Detection's ink (a boolean page mask) and, per pixel, how many of the labelled glyphs hold it."""
    (labelled,) = lab.layouts
    held = np.isin(layout.ink.components, [c for g in layout.glyphs for c in g.components])
    return held, sum(np.isin(labelled.ink.components, g.components).astype(np.int32) for g in lab.glyphs)


def test_page_ranges():
    assert parse_page_ranges("1,3-5") == [0, 2, 3, 4]
    assert parse_page_ranges(None) is None
    with pytest.raises(GlyphsegError):
        parse_page_ranges("0")
    with pytest.raises(GlyphsegError):
        parse_page_ranges("5-2")


def test_manifest_mapping_round_trip():
    g = Glyph(id="x", page=0, bbox=(0, 0, 1, 1), components=(), origin=(100.0, 200.0), units_per_px=8.0, angle=1.3)
    xu, yu = np.array([0.0, 500.0, -20.0]), np.array([0.0, 700.0, -200.0])
    x, y = g.units_to_page(xu, yu)
    assert x[0] == 100.0 and y[0] == 200.0
    # y up in font units is up on the page; a positive angle makes the baseline rise to the right
    assert y[1] < 200.0
    x2, y2 = g.units_to_page(np.array([1000.0]), np.array([0.0]))
    assert y2[0] < 200.0
    bx, by = g.page_to_units(x, y)
    assert np.allclose(bx, xu) and np.allclose(by, yu)


def test_alignment_tolerates_missing_and_extra():
    # glyph 1 is dust (matches nothing well), character 'C' was not detected
    cost = np.array([[0.1, 8, 8, 8],   # A
                     [9, 9, 9, 9],     # dust
                     [8, 0.2, 8, 8],   # B
                     [8, 8, 8, 0.3]])  # D
    assert align(cost) == [(0, 0), (2, 1), (3, 3)]


def test_labels_survive_a_missing_glyph_and_an_ornament():
    path = font_path("serif")
    spec = render_specimen(path, lines=["Hamburgefonstiv", "Quixotic jazz"])
    img = spec.image.copy()
    lost = spec.glyphs[4]  # 'u' is erased from the page
    x0, y0, x1, y1 = [int(round(v)) for v in lost.bbox]
    img[y0 - 2:y1 + 2, x0 - 2:x1 + 2] = 255
    # a small fleuron-like blob at the start of the second line, not in the text
    second = [g for g in spec.glyphs if g.line == 1][0]
    bx, by = int(second.bbox[0]) - 60, int(second.bbox[3]) - 30
    cv2.circle(img, (bx, by), 14, 0, -1)
    from glyphseg.pipeline import ExtractOptions, extract

    ex = extract([], ExtractOptions(text=spec.text), pages=[Page(0, "t.png", 600, img)])
    truth = [g for g in spec.glyphs if g is not lost]
    m = match_boxes([g.bbox for g in ex.glyphs], [t.bbox for t in truth])
    assert m.f1 > 0.95
    assert all(ex.glyphs[i].char == truth[j].char for i, j in m.pairs)
    unmatched = [ex.glyphs[i] for i in m.unmatched_pred]
    assert len(unmatched) == 1 and unmatched[0].char is None  # the ornament
    assert any("not found" in n for n in ex.notes)


def test_grouping_makes_one_glyph_of_multipart_characters():
    spec = render_specimen(font_path("sans"), lines=["ij;:!?%\"äÖ="])
    det = detect(Page(0, "t", 600, spec.image))
    assert len(det.glyphs) == len(spec.glyphs)
    m = match_boxes([g.bbox for g in det.glyphs], [t.bbox for t in spec.glyphs])
    assert m.f1 == 1.0


@pytest.mark.parametrize("kind", ["serif", "sans", "contrast"])
def test_dots_at_a_fonts_own_spacing_stay_with_their_letters(kind):
    """Set at the font's own advance widths (tracking 0), the dots of i and j — and of ; and : — stand side by
    side as closely as the strokes of a double quote: each must stay with its own letter."""
    spec = render_specimen(font_path(kind), lines=["hijkl", "ij;:!", '"H"'], dpi=300, tracking_em=0.0)
    det = detect(Page(index=0, source="t", dpi=300, image=spec.image))
    m = match_boxes([g.bbox for g in det.glyphs], [g.bbox for g in spec.glyphs])
    missed = "".join(spec.glyphs[j].char for j in m.unmatched_true)
    assert missed == "" and len(det.glyphs) == len(spec.glyphs), (missed, len(det.glyphs), len(spec.glyphs))


@pytest.mark.parametrize("kind", ["serif", "sans", "slab"])
def test_lines_set_solid_keep_their_periods_commas_and_umlauts(kind):
    """Set solid (leading 1.0 em), a line's period or comma comes within a hair of the next line's umlaut or
    ascender, and a j's descender ends beside the umlaut of the Ä under it: each mark stays with its own line's
    letter (before, the period of "sind." went with the ü under it in DejaVu Serif, a comma with the l under it
    in Liberation Sans and Roboto Slab)."""
    lines = ["Wir würden weit mehr gewinnen, wenn wir", "uns zeigten, wie wir sind; als bei dem Versuche",
             "das zu scheinen, was wir nicht sind. Äpfel", "jüngst quälte Hühner Öl: typographisch"]
    spec = render_specimen(font_path(kind), lines=lines, dpi=300, size_pt=12, tracking_em=0.0, leading=1.0)
    det = detect(Page(index=0, source="t", dpi=300, image=spec.image))
    m = match_boxes([g.bbox for g in det.glyphs], [g.bbox for g in spec.glyphs])
    missed = "".join(spec.glyphs[j].char for j in m.unmatched_true)
    assert missed == "" and len(det.glyphs) == len(spec.glyphs), (missed, len(det.glyphs), len(spec.glyphs))
    assert len(det.lines) == len(lines)


@pytest.mark.parametrize("kind", ["serif", "slab"])
def test_lines_set_solid_keep_their_apostrophes_and_semicolons(kind):
    """Set solid, an apostrophe stands a hair under the letters of the line above, and the dot of a semicolon
    under a g's descender: each belongs to the line whose letters stand beside it (before, the apostrophe of
    "l'évêque" went with the D of "Deich" above it in DejaVu Serif, the dot of "Deich;" with the g of
    "jagen" in Roboto Slab)."""
    lines = ["Zwölf Boxkämpfer jagen Viktor quer", "über den Sylter Deich;", "Jäger! Çà et là, l'évêque déçu"]
    spec = render_specimen(font_path(kind), lines=lines, dpi=600, size_pt=14, tracking_em=0.0, leading=1.0)
    det = detect(Page(index=0, source="t", dpi=600, image=spec.image))
    m = match_boxes([g.bbox for g in det.glyphs], [g.bbox for g in spec.glyphs])
    missed = "".join(spec.glyphs[j].char for j in m.unmatched_true)
    assert missed == "" and len(det.glyphs) == len(spec.glyphs), (missed, len(det.glyphs), len(spec.glyphs))


@pytest.mark.parametrize("kind", ["serif", "contrast"])
def test_touching_letters_are_cut_where_the_text_says(kind):
    """At tight tracking (−0.05 em) neighbours touch (V W, ff, fi, rn): with the transcript each letter is its
    own glyph, cut where the pieces look like their letters, and no ink is lost or shared by the cut."""
    from glyphseg.label import label

    lines = ["Wave AVOW", "affiliate office", "modern burn"]
    spec = render_specimen(font_path(kind), lines=lines, dpi=300, tracking_em=-0.05)
    page = Page(index=0, source="t", dpi=300, image=spec.image)
    layout = detect(page)
    lab = label([layout], [page], "".join(lines))
    m = match_boxes([g.bbox for g in lab.glyphs], [g.bbox for g in spec.glyphs])
    assert m.f1 >= 0.97, "".join(spec.glyphs[j].char for j in m.unmatched_true)
    right = sum(lab.glyphs[i].char == spec.glyphs[j].char for i, j in m.pairs)
    assert right / len(spec.glyphs) >= 0.95
    # the cut glyphs' ink, together, is the detection's ink: every ink pixel in exactly one glyph
    before, after = ink_shares(layout, lab)
    assert np.array_equal(after, before.astype(np.int32))
    assert len(layout.glyphs) < len(lab.glyphs)  # the input layout was left as detection made it


def test_a_slanted_face_s_dots_and_marks_are_grouped_across_its_slant():
    """Kaushan Script leans about 15°: at its own spacing an i's dot stands right of its stem, over the gap
    or the next letter, and the dot of ; or : stands right of the part below it. Grouped in upright boxes
    they went to the neighbour or stood alone (the page's i ; : were all missed). Measured across the
    slant, each is one glyph with its dot; an upright face measures no slant and is grouped as before."""
    lines = ["quite stiv affiliate", "modern burn; yes: fix"]  # (not "ij": its j sweeps under the i)
    spec = render_specimen(font_path("brush-script"), lines=lines, dpi=600, size_pt=14, tracking_em=0.0)
    layout = detect(Page(index=0, source="t", dpi=600, image=spec.image))
    assert 10 < layout.slant < 20, layout.slant
    m = match_boxes([g.bbox for g in layout.glyphs], [g.bbox for g in spec.glyphs])
    found = {j for _, j in m.pairs}
    marked = [j for j, g in enumerate(spec.glyphs) if g.char in "ij;:"]
    assert [spec.glyphs[j].char for j in marked if j not in found] == []
    assert -20 < -glyphs_slant([layout], layout.glyphs) < -10  # the font's italic angle (the UFO's)
    upright = render_specimen(font_path("serif"), lines=lines, dpi=600, size_pt=14, tracking_em=0.0)
    upright_layout = detect(Page(index=0, source="t", dpi=600, image=upright.image))
    assert abs(upright_layout.slant) < MIN_SLANT_DEG
    assert glyphs_slant([upright_layout], upright_layout.glyphs) == 0.0


def test_a_hand_s_i_dotted_beside_its_stem_keeps_its_dot():
    """A hand (Delphine, print handwriting) dots its i a little to the left of the stem, over no part of it:
    the stacked rule, which asks for shared columns, left every dot of "it is in his hit list" alone (21
    glyphs for 16 letters). A round dot still alone hangs on the nearest letter under it, within a quarter
    text height to its side; a quote's stroke beside a letter (taller than wide) and a dot over a letter of
    another line stay apart."""
    spec = render_specimen(font_path("hand"), lines=["it is in his hit list"], dpi=600, size_pt=14,
                           tracking_em=0.0)
    layout = detect(Page(index=0, source="t", dpi=600, image=spec.image))
    m = match_boxes([g.bbox for g in layout.glyphs], [g.bbox for g in spec.glyphs])
    found = {j for _, j in m.pairs}
    assert [g.char for j, g in enumerate(spec.glyphs) if g.char == "i" and j not in found] == []
    assert len(layout.glyphs) <= len(spec.glyphs)  # no dot left alone (two touching letters may stay one)
    # boxes (x0, y0, x1, y1) at text height 40: a stem and its dot 2 px to its left; an x and a quote's stroke
    # (4 × 10, as near) up and left of it; a dot over touching "ti" (whose t reaches up past the dot's bottom),
    # with a v beside it: the dot is left to the labelling, which cuts the i out of "ti", not given to the v
    boxes = np.array([[100, 20, 106, 60], [92, 8, 98, 14], [200, 25, 220, 60], [190, 2, 194, 12],
                      [400, 8, 440, 60], [430, 2, 436, 10], [442, 20, 470, 60]], float)
    groups = sorted(sorted(g) for g in _group_components(boxes, np.ones(len(boxes)), np.full(len(boxes), 40.0)))
    assert groups == [[0, 1], [2], [3], [4], [5], [6]], groups


def test_a_slanted_face_becomes_an_italic_font():
    """The extracted font of a slanted face carries its slant: the UFO's italicAngle (negative: leaning right),
    the italic style-map bit, and the style name Italic unless the user names the style."""
    from glyphseg.export import build_ufo
    from glyphseg.pipeline import ExtractOptions, extract

    spec = render_specimen(font_path("brush-script"), lines=["Hamburgefonstiv", "quite stiv"], dpi=300,
                           size_pt=14, tracking_em=0.0)
    page = Page(index=0, source="t", dpi=300, image=spec.image)
    ex = extract([], ExtractOptions(text=spec.text, segmenter="threshold"), pages=[page])
    font = build_ufo(ex)
    assert -20 < font.info.italicAngle < -10 and font.info.styleMapStyleName == "italic"
    assert ex.style == "Italic"
    named = extract([], ExtractOptions(text=spec.text, segmenter="threshold", style="Swash"), pages=[page])
    assert named.style == "Swash" and build_ufo(named).info.italicAngle == font.info.italicAngle


def test_touching_letters_of_a_slanted_face_are_cut_along_its_slant():
    """Kaushan Script at tight tracking: "ffi", "ff" and "fi" touch in one piece each. Their joins run along
    the slant; seams searched in the upright glyph box could not follow them, and the pieces fitted their
    templates too badly for the cut to be kept (F1 0.911, "iif" missed). Searched in the ink sheared upright
    (split.upright_ink), every letter is found and named, and the pieces share the ink out exactly."""
    from glyphseg.label import label

    lines = ["affiliate office waffle", "modern burn; yes: fix"]
    spec = render_specimen(font_path("brush-script"), lines=lines, dpi=600, size_pt=14, tracking_em=-0.05)
    page = Page(index=0, source="t", dpi=600, image=spec.image)
    layout = detect(page)
    lab = label([layout], [page], spec.text)
    m = match_boxes([g.bbox for g in lab.glyphs], [g.bbox for g in spec.glyphs])
    right = sum(lab.glyphs[i].char == spec.glyphs[j].char for i, j in m.pairs)
    assert m.f1 == 1.0 and right == len(spec.glyphs), "".join(spec.glyphs[j].char for j in m.unmatched_true)
    held, shares = ink_shares(layout, lab)
    assert shares.max() == 1 and np.all(shares[held] == 1)


def test_labelling_rounds_last_until_the_cuts_and_joins_settle(monkeypatch):
    """A connected script's sample words on a harsh print: each labelling round makes one kind of change (join
    pieces, cut joined letters, cut touching ones, rejoin marks), and this page needs several rounds before
    nothing changes. Stopped at four, the glyphs differ from the settled ones (F1 0.821 against 0.915; it
    settles after eight); given more rounds than LABEL_ROUNDS, nothing changes: the page settled."""
    import zlib

    from glyphseg import label as label_mod

    words = ["Hamburgefonstiv quijote", "affiliate office waffle", "jinx fjord hijinks", "Wave AVOW Tuxedo Lynx",
             "modern burn; yes: fix", "Quality Typography"]
    spec = degrade(render_specimen(font_path("script"), lines=words, dpi=600, size_pt=14, tracking_em=0.0),
                   "harsh", seed=zlib.crc32(b"dancing-script/words/harsh") % 2 ** 31)
    page = Page(index=0, source="t", dpi=600, image=spec.image)
    layout = detect(page)
    found, cap = {}, label_mod.LABEL_ROUNDS
    for rounds in (4, cap, 2 * cap):
        monkeypatch.setattr(label_mod, "LABEL_ROUNDS", rounds)
        lab = label_mod.label([layout], [page], spec.text)
        found[rounds] = sorted((g.bbox, g.char) for g in lab.glyphs)
    settled = found[2 * cap]
    assert found[cap] == settled
    assert found[4] != settled
    m = match_boxes([b for b, _ in settled], [g.bbox for g in spec.glyphs])
    assert m.f1 >= 0.9, "".join(spec.glyphs[j].char for j in m.unmatched_true)


def test_touching_gothic_letters_keep_the_labels_in_step():
    """A gothic face the templates know only in part, at tight tracking: "ote" touch in one piece. The plain
    alignment labelled it o and shifted the next labels past it, so the characters left over were not beside
    it and nothing cut it (found 37 of 40). Asked again allowing wide glyphs to hold runs, it is cut where the
    pieces look like their letters."""
    from glyphseg.label import label

    lines = ["Hamburgefonstiv quijote", "Wave AVOW Tuxedo Lynx"]
    spec = render_specimen(font_path("gothic"), lines=lines, dpi=600, size_pt=14, tracking_em=-0.05)
    page = Page(index=0, source="t", dpi=600, image=spec.image)
    lab = label([detect(page)], [page], spec.text)
    m = match_boxes([g.bbox for g in lab.glyphs], [g.bbox for g in spec.glyphs])
    missed = "".join(spec.glyphs[j].char for j in m.unmatched_true)
    right = sum(lab.glyphs[i].char == spec.glyphs[j].char for i, j in m.pairs)
    assert missed == "" and right == len(spec.glyphs), (missed, right, len(spec.glyphs))


def test_a_run_of_touching_letters_is_cut_where_each_piece_looks_like_its_letter():
    """A proto-roman the templates know in part, at tight tracking: "odern", "ffice" and "ffle" touch in one
    piece each. Cut by seam thinness and the zone table's widths alone, the pieces of "ffle" fitted their letters
    too badly for the cut to be kept (F1 0.878): the thinnest seams ran through the middle of a letter. Chosen
    with each piece's fit to its letter (split.cut_by_fit), the runs are cut into their letters."""
    from glyphseg.label import label

    lines = ["modern burn", "office waffle"]
    spec = render_specimen(font_path("proto-roman"), lines=lines, dpi=600, size_pt=14, tracking_em=-0.05)
    page = Page(index=0, source="t", dpi=600, image=spec.image)
    layout = detect(page)
    lab = label([layout], [page], spec.text)
    m = match_boxes([g.bbox for g in lab.glyphs], [g.bbox for g in spec.glyphs])
    right = sum(lab.glyphs[i].char == spec.glyphs[j].char for i, j in m.pairs)
    missed = "".join(spec.glyphs[j].char for j in m.unmatched_true)
    assert m.f1 >= 0.95 and right >= 0.9 * len(spec.glyphs), (m.f1, right, missed)
    held, shares = ink_shares(layout, lab)  # the pieces share the ink out exactly
    assert shares.max() == 1 and np.all(shares[held] == 1)


def test_without_a_transcript_touching_letters_are_cut_where_each_piece_reads_as_a_letter():
    """No transcript, tight tracking: ffi, ffl, fj and nx touch. Each read as no letter, and stayed one glyph
    (F1 0.730). Cut by recognition, where every piece reads as a letter more surely than the whole read as
    anything, they are found (F1 ≥ 0.85), the pieces share the ink out exactly; set apart, no letter is cut."""
    from glyphseg.label import label

    lines = ["affiliate office waffle", "jinx fjord hijinks"]
    spec = render_specimen(font_path("serif"), lines=lines, dpi=600, size_pt=14, tracking_em=-0.05)
    page = Page(index=0, source="t", dpi=600, image=spec.image)
    layout = detect(page)
    lab = label([layout], [page], None)
    m = match_boxes([g.bbox for g in lab.glyphs], [g.bbox for g in spec.glyphs])
    assert m.f1 >= 0.85, (m.f1, "".join(spec.glyphs[j].char for j in m.unmatched_true))
    assert len(lab.glyphs) > len(layout.glyphs)
    held, shares = ink_shares(layout, lab)
    assert shares.max() == 1 and np.all(shares[held] == 1)
    apart = render_specimen(font_path("serif"), lines=lines, dpi=600, size_pt=14, tracking_em=0.1)
    apart_page = Page(index=0, source="t", dpi=600, image=apart.image)
    apart_layout = detect(apart_page)
    assert len(label([apart_layout], [apart_page], None).glyphs) == len(apart_layout.glyphs)


def test_without_a_transcript_letters_that_read_unsurely_as_one_letter_are_cut():
    """Liberation Serif at tight tracking, no transcript: f f i, f f l and i l i touch, and each has the shape
    of an m (fit 0.82–0.88), so it was never tried as touching letters, and recognition, unsure of it (score
    0.18–0.33), left it unnamed ("aff?ateo?cewa?e"). A glyph recognition is unsure of is cut as one that fits
    no letter is; of the cuts whose pieces all fit, the one that costs least a piece is taken (by mean fit,
    i l i was i l I i, its l's stem cut lengthwise)."""
    from glyphseg.label import label

    spec = render_specimen(font_path("times"), lines=["affiliate office waffle"], dpi=600, size_pt=14,
                           tracking_em=-0.05)
    page = Page(index=0, source="t", dpi=600, image=spec.image)
    layout = detect(page)
    lab = label([layout], [page], None)
    assert "".join(g.char or "?" for g in lab.glyphs) == "affiliateofficewaffle"
    m = match_boxes([g.bbox for g in lab.glyphs], [g.bbox for g in spec.glyphs])
    assert m.f1 == 1.0, "".join(spec.glyphs[j].char for j in m.unmatched_true)
    held, shares = ink_shares(layout, lab)
    assert shares.max() == 1 and np.all(shares[held] == 1)


def test_a_descender_touching_the_line_below_is_cut_between_the_lines():
    """A y's descender blotted onto the h under it: one piece of ink holding letters of two lines. It is cut
    between the lines (split.cut_between_lines) before the letters are read, with the transcript or without:
    no glyph is left spanning both lines, and without one every letter is found."""
    from glyphseg.label import label

    spec = render_specimen(font_path("serif"), ["quay jog gypsy", "hold blik bah"], size_pt=14, tracking_em=0,
                           leading=1.1)
    image = spec.image.copy()
    y = next(g for g in spec.glyphs if g.line == 0 and g.char == "y")
    h = next(g for g in spec.glyphs if g.line == 1 and g.bbox[0] < (y.bbox[0] + y.bbox[2]) / 2 < g.bbox[2])
    x = int((max(y.bbox[0], h.bbox[0]) + min(y.bbox[2], h.bbox[2])) / 2)
    image[int(y.bbox[3]) - 14:int(h.bbox[1]) + 14, x - 5:x + 5] = 0  # the blot joining the two
    page = Page(0, "blot.png", spec.dpi, image)
    layout = detect(page)
    assert len(layout.lines) == 2
    em_px = spec.size_pt / 72 * spec.dpi
    assert any(g.height > 1.3 * em_px for g in layout.glyphs)  # detection holds both letters in one glyph
    for text in (spec.text, None):
        labelled = label([layout], [page], text)
        assert not [g.bbox for g in labelled.glyphs if g.height > 1.3 * em_px], text
        f1 = match_boxes([g.bbox for g in labelled.glyphs], [g.bbox for g in spec.glyphs]).prf()[2]
        assert f1 >= (0.9 if text else 0.99), (text, f1)


def test_lines_touching_in_many_places_are_found_as_lines():
    """Dancing Script's sample text set at leading 0.8: descenders and flourishes touch the next line's letters
    all along, and clustering glyphs by their centres found 3 "lines" for 5 (F1 0.52, labels 0.05 with the
    transcript). Each line's x-height band shows in the ink of the "line" it was found in
    (detect.stacked_lines): all 5 lines are found, and the glyphs holding letters of two lines are cut
    between them."""
    from benchmarks.own_spacing import SOLID
    from glyphseg.label import label

    spec = render_specimen(font_path("script"), lines=SOLID, dpi=300, size_pt=14, tracking_em=0, leading=0.8)
    page = Page(0, "solid.png", spec.dpi, spec.image)
    layout = detect(page)
    assert len([line for line in layout.lines if len(line.glyph_ids) >= 3]) == len(SOLID)
    labelled = label([layout], [page], spec.text)
    m = match_boxes([g.bbox for g in labelled.glyphs], [g.bbox for g in spec.glyphs])
    right = sum(labelled.glyphs[i].char == spec.glyphs[j].char for i, j in m.pairs)
    assert m.prf()[2] >= 0.8 and right >= 0.7 * len(spec.glyphs), (m.prf(), right, len(spec.glyphs))


def test_blocks_side_by_side_are_read_one_after_the_other():
    """Two name cards side by side, their lines on different baselines (Krause sheet 4, a page of columns):
    each card is a block of its own (detect.text_blocks), read through before the next, so no line mixes the
    two, and a transcript typed card after card labels every letter. Before, lines were found across the
    page, and the alignment read the cards' lines interleaved."""
    from glyphseg.label import label

    left = render_specimen(font_path("serif"), ["Ernst Reich", "Gartenbau", "Architekt"], size_pt=14, tracking_em=0,
                           leading=1.5)
    right = render_specimen(font_path("sans"), ["Werkstatt fur", "Textile", "Industrie", "Paul Gleim"], size_pt=11,
                            tracking_em=0, leading=1.3)
    gutter, drop = int(0.5 * left.dpi), int(0.12 * left.dpi)
    image = np.full((max(left.image.shape[0], right.image.shape[0] + drop),
                     left.image.shape[1] + gutter + right.image.shape[1]), 255, np.uint8)
    image[:left.image.shape[0], :left.image.shape[1]] = left.image
    x0 = left.image.shape[1] + gutter
    image[drop:drop + right.image.shape[0], x0:] = right.image
    truth = [(g.bbox, g.char) for g in left.glyphs] + [
        ((g.bbox[0] + x0, g.bbox[1] + drop, g.bbox[2] + x0, g.bbox[3] + drop), g.char) for g in right.glyphs]
    page = Page(0, "cards.png", left.dpi, image)
    layout = detect(page)
    assert len(layout.lines) == 7
    for line in layout.lines:
        assert len({g.bbox[0] >= x0 for g in layout.glyphs if g.id in line.glyph_ids}) == 1, line
    labelled = label([layout], [page], "".join(c for _, c in truth))
    m = match_boxes([g.bbox for g in labelled.glyphs], [b for b, _ in truth])
    assert sum(labelled.glyphs[i].char == truth[j][1] for i, j in m.pairs) == len(truth)


def test_without_a_transcript_a_script_word_in_one_piece_is_cut_into_letters():
    """Dancing Script's sample words, no transcript: each word is one piece of ink, and the templates read a
    script's letters too poorly (median fit under 0.9) for the cut of glyphs that read as no letter, so every
    word stayed one glyph (F1 0.155: 30 glyphs for 112 letters; now 0.826, 118 glyphs). A glyph wider than any
    one letter (JOINED_EM) is letters joined: on such pages it is cut where its pieces read best, when they fit
    and read more surely on average than the whole as one letter."""
    from benchmarks.own_spacing import WORDS
    from glyphseg.label import label
    from glyphseg.metrics import glyph_em_px
    from glyphseg.split import JOINED_EM

    spec = render_specimen(font_path("script"), lines=WORDS, dpi=600, size_pt=14, tracking_em=0.0)
    page = Page(index=0, source="t", dpi=600, image=spec.image)
    lab = label([detect(page)], [page], None)
    m = match_boxes([g.bbox for g in lab.glyphs], [g.bbox for g in spec.glyphs])
    assert len(lab.glyphs) >= 0.8 * len(spec.glyphs) and m.f1 >= 0.75, (len(lab.glyphs), m.f1)
    layout = lab.layouts[0]
    widths_em = [(layout.extents[g.id][2] - layout.extents[g.id][0]) / glyph_em_px(layout, g, lab.em_inch, page.dpi)
                 for g in lab.glyphs]
    # before, 14 glyphs of the 30 were wider than any letter; now none is
    assert max(widths_em) < JOINED_EM


def test_the_pieces_between_seams_are_ink_only():
    """At tight tracking "nx" prints as one piece of ink. The piece right of a seam between them was the region
    of the box right of it, background included: recognition read its extent as the glyph's, top to bottom
    (an x cut off a glyph holding a taller letter sat where a capital does). Each piece is the glyph's ink
    between its seams, and the pieces share the ink out exactly."""
    from glyphseg.split import SEAM_BAND_EM, _run_ink, _Seams

    spec = render_specimen(font_path("serif"), lines=["jinx"], dpi=600, size_pt=14, tracking_em=-0.05)
    layout = detect(Page(index=0, source="t", dpi=600, image=spec.image))
    glyph = max(layout.glyphs, key=lambda g: g.bbox[2] - g.bbox[0])  # n and x touching
    n_right = next(t for t in spec.glyphs if t.char == "n").bbox[2] - glyph.bbox[0]
    member, ink, back, lo, hi = _run_ink(layout, glyph, 4)
    seams = _Seams(layout, glyph, member, ink, back, lo)
    key, = seams.draw_many([("n|x", int(round(n_right)) - lo, max(2, int(round(SEAM_BAND_EM * 14 / 72 * 600))))])
    left, right = seams.piece(None, key), seams.piece(key, None)
    assert left.any() and right.any()
    assert not np.any(right & ~seams.member_printed) and not np.any(left & right)
    assert np.array_equal(left | right, seams.member_printed)


def test_a_line_of_descenders_sits_on_its_baseline():
    """At tight tracking "typography gypsy jury" prints as 14 glyphs, most of them merged pairs holding a
    descender (ty, gr, yp, gy): their bottoms outnumbered the letters sitting on the line, and the baseline sat
    on the descenders, 0.22 em low (every ink zone on the line wrong). Letters that sit a descender's depth
    higher on one level, a quarter of the glyphs and at least three, are on the baseline."""
    spec = render_specimen(font_path("serif"), lines=["typography gypsy jury", "Typography by gypsy jury"],
                           dpi=600, size_pt=14, tracking_em=-0.05)
    layout = detect(Page(index=0, source="t", dpi=600, image=spec.image))
    em_px = 14 / 72 * 600
    truth = {g.line: g.matrix[1][2] for g in spec.glyphs}
    assert len(layout.lines) == 2
    for line in layout.lines:
        assert abs(line.baseline_offset - truth[line.index]) < 0.04 * em_px, (line.index, line.baseline_offset,
                                                                             truth[line.index])

    """A connected script at its own spacing: a line is one piece of ink, and words are. They are text, not
    ornaments, and with the transcript the alignment says how many letters each holds and they are cut apart
    (before: the long line was an ornament and the words one glyph each, F1 0.05)."""
    from glyphseg.label import label

    lines = ["abcdefghijklm", "Hamburgefonstiv quijote"]
    spec = render_specimen(font_path("script"), lines=lines, dpi=300, tracking_em=0.0)
    page = Page(index=0, source="t", dpi=300, image=spec.image)
    layout = detect(page)
    assert not layout.elements and len(layout.glyphs) < 8
    lab = label([layout], [page], "".join(lines))
    m = match_boxes([g.bbox for g in lab.glyphs], [g.bbox for g in spec.glyphs])
    right = sum(lab.glyphs[i].char == spec.glyphs[j].char for i, j in m.pairs)
    assert m.f1 >= 0.7 and right / len(spec.glyphs) >= 0.7, (m.f1, right)
    before, after = ink_shares(layout, lab)  # every ink pixel in one glyph: the cuts share out the ink, none lost
    assert after.max() == 1 and np.all(after[before] == 1)
    # ... and what glyphs gained is at most a dot or two that detection had set aside as specks, given back
    # to their letters (label.restore_dropped_marks)
    gained = (after == 1) & ~before
    assert gained.sum() <= 0.005 * before.sum(), (int(gained.sum()), int(before.sum()))


def test_a_piece_cut_again_gets_an_id_of_its_own():
    """A labelling round may cut a piece that an earlier round cut off: every glyph keeps a unique id (a
    repeated id made two glyphs share a UFO name and the export fail)."""
    from glyphseg.detect import split_glyphs

    spec = render_specimen(font_path("sans"), lines=["mmm"], dpi=300, tracking_em=-0.2)  # one blob
    layout = detect(Page(index=0, source="t", dpi=300, image=spec.image))
    (blob,) = layout.glyphs
    halves = np.zeros((blob.height, blob.width), np.int32)
    halves[:, blob.width // 2:] = 1
    once = split_glyphs(layout, [(blob, halves)])
    left = once.glyph(blob.id)
    again = np.zeros((left.height, left.width), np.int32)
    again[:, left.width // 2:] = 1
    twice = split_glyphs(once, [(left, again)])
    ids = [g.id for g in twice.glyphs]
    assert len(ids) == 3 and len(set(ids)) == 3 and twice.lines[0].glyph_ids == ids


def test_letters_broken_side_by_side_are_joined_with_the_text():
    """Thin ink breaks a letter into pieces side by side (a lost hairline: n, u, H as two stems): with the
    transcript, the pieces are one glyph again because together they look like the character."""
    from glyphseg.label import label

    spec = render_specimen(font_path("sans"), lines=["nuHAn"], dpi=300, tracking_em=0.15)
    image = spec.image.copy()
    for t in spec.glyphs:  # a 2 px gap of paper down the middle of every letter
        mid = int(round((t.bbox[0] + t.bbox[2]) / 2))
        image[:, mid - 1:mid + 1] = 255
    page = Page(index=0, source="t", dpi=300, image=image)
    layout = detect(page)
    assert len(layout.glyphs) > len(spec.glyphs)  # broken, as printed
    lab = label([layout], [page], "nuHAn")
    assert [g.char for g in lab.glyphs] == list("nuHAn")
    m = match_boxes([g.bbox for g in lab.glyphs], [g.bbox for g in spec.glyphs])
    assert m.f1 == 1.0


def test_dots_taken_for_dust_come_back_with_the_text():
    """A worn 300 dpi print leaves an i's dot a few pixels, as small as dust, and detection drops it; the
    transcript says the glyph is an i, whose ink reaches above the x-height: the dot joins it again."""
    from glyphseg.detect import DetectOptions
    from glyphseg.label import label

    lines = ["mini bikini", "fijian skiing"]
    spec = render_specimen(font_path("sans"), lines=lines, dpi=300, tracking_em=0.05)
    page = Page(index=0, source="t", dpi=300, image=spec.image)
    layout = detect(page, DetectOptions(speck_fraction=0.3))  # dots under (0.3 × text height)² px: dust
    dotted = [t for t in spec.glyphs if t.char in "ij"]
    assert layout.dropped["specks"] >= len(dotted)  # every dot was dropped, as on the worn page
    lab = label([layout], [page], "".join(lines))
    m = match_boxes([g.bbox for g in lab.glyphs], [g.bbox for g in spec.glyphs], threshold=0.75)
    found = {j for _, j in m.pairs}
    assert all(j in found for j, t in enumerate(spec.glyphs) if t.char in "ij"), \
        "".join(spec.glyphs[j].char for j in m.unmatched_true)


@pytest.mark.parametrize("with_text", [True, False])
def test_a_split_percent_is_joined_once_labels_name_it(with_text):
    # The lower ring of % moved 10 px right: its box now overlaps the slash's too little to be grouped.
    # With the text, the alignment leaves the ring over; without, the pair joined is recognised as %.
    spec = render_specimen(font_path("sans"), lines=["Hn%nH"])
    img = spec.image.copy()
    x0, y0, x1, y1 = [int(round(v)) for v in [t for t in spec.glyphs if t.char == "%"][0].bbox]
    crop = img[y0 - 2:y1 + 2, x0 - 2:x1 + 2].copy()
    n, parts, _, centres = cv2.connectedComponentsWithStats((crop < 250).astype(np.uint8), connectivity=8)
    ring = parts == max(range(1, n), key=lambda k: centres[k][0] + centres[k][1])  # the lower right part
    img[y0 - 2:y1 + 2, x0 - 2:x1 + 2][ring] = 255
    moved = img[y0 - 2:y1 + 2, x0 + 8:x1 + 12]
    moved[ring] = np.minimum(moved[ring], crop[ring])
    page = Page(0, "t.png", 600, img)
    assert len(detect(page).glyphs) == len(spec.glyphs) + 1  # grouping alone splits it
    from glyphseg.pipeline import ExtractOptions, extract

    ex = extract([], ExtractOptions(text=spec.text if with_text else None, segmenter="threshold"), pages=[page])
    assert [g.char for g in ex.glyphs] == list("Hn%nH")
    percent = ex.glyphs[2]
    assert percent.bbox[2] >= x1 + 9 and percent.topology_ok  # both rings and the slash
    assert not ex.notes


def test_transcript_judge_names_a_pair_by_what_the_alignment_left_over():
    from glyphseg.label import transcript_judge

    glyphs = [Glyph(id=f"g{k}", page=0, bbox=(10 * k, 0, 10 * k + 8, 10), components=(k + 1,), char=ch)
              for k, ch in enumerate(["H", None, None, "H"])]
    asked = []

    def recognise_pair(det, a, b):
        asked.append((a.id, b.id))
        return ":"

    one_missing = transcript_judge(glyphs, [(0, 0), (3, 2)], "H!H", None, None, recognise_pair)
    assert one_missing(None, glyphs[1], glyphs[2]) == "!" and not asked  # the one character left over
    two_missing = transcript_judge(glyphs, [(0, 0), (3, 3)], "H;:H", None, None, recognise_pair)
    assert two_missing(None, glyphs[1], glyphs[2]) == ":" and asked == [("g1", "g2")]
    none_missing = transcript_judge(glyphs, [(0, 0), (3, 1)], "HH", None, None, recognise_pair)
    assert none_missing(None, glyphs[1], glyphs[2]) is None  # ornaments between, not a split glyph
    not_in_text = transcript_judge(glyphs, [(0, 0), (3, 3)], "H;!H", None, None, recognise_pair)
    assert not_in_text(None, glyphs[1], glyphs[2]) is None  # recognised as ':', which the text lacks there


def test_skewed_page_gives_lines_in_reading_order():
    spec = rotate_specimen(render_specimen(font_path("slab"), lines=["ABCDEFGHIJ", "klmnopqrst", "0123456789"]),
                           2.0)
    det = detect(Page(0, "t", 600, spec.image))
    assert len(det.lines) == 3
    assert abs(det.angle - 2.0) < 0.05
    m = match_boxes([g.bbox for g in det.glyphs], [t.bbox for t in spec.glyphs])
    order = [j for i, j in sorted(m.pairs)]
    assert order == sorted(order) and len(order) == len(spec.glyphs)


def test_specks_and_rules_are_not_glyphs():
    spec = render_specimen(font_path("serif"), lines=["Specimen"])
    img = spec.image.copy()
    h, w = img.shape
    img[20:24, 10:w - 10] = 0  # a rule across the page
    rng = np.random.default_rng(1)
    for _ in range(30):  # dust
        y, x = rng.integers(30, h - 5), rng.integers(5, w - 5)
        img[y:y + 2, x:x + 2] = 0
    det = detect(Page(0, "t", 600, img))
    m = match_boxes([g.bbox for g in det.glyphs], [t.bbox for t in spec.glyphs])
    assert m.f1 == 1.0
    assert det.dropped["large"] == 1 and det.dropped["specks"] >= 25


@pytest.mark.parametrize("font, trusted", [("serif", "yes"), ("sans", "yes"), ("fraktur", "in part"), ("script", "no")])
def test_recognition_says_when_it_cannot_be_trusted(font, trusted):
    """Without a transcript: on a Latin text face the templates never saw, glyphs keep their labels and no
    warning is given; on a blackletter face that is no template source, the blackletter templates read half its
    glyphs, and the labels kept are mostly right; on a script face (no template is a script) the run warns and
    most glyphs stay unlabelled instead of carrying confident garbage."""
    from glyphseg.label import label

    spec = render_specimen(font_path(font), dpi=300, size_pt=14)
    pages = [Page(index=0, source="specimen", dpi=300, image=spec.image)]
    lab = label([detect(pages[0])], pages, None)
    labelled = sum(g.char is not None for g in lab.glyphs) / len(lab.glyphs)
    warned = any("unreliable" in note for note in lab.notes)
    m = match_boxes([g.bbox for g in lab.glyphs], [g.bbox for g in spec.glyphs])
    kept = [(lab.glyphs[i].char, spec.glyphs[j].char) for i, j in m.pairs if lab.glyphs[i].char is not None]
    right = sum(a == b for a, b in kept) / max(1, len(kept))
    if trusted == "yes":
        assert not warned and labelled > 0.9, (labelled, lab.notes)
        assert right > 0.9
    elif trusted == "in part":
        assert labelled > 0.4 and right > 0.8, (labelled, right, lab.notes)
    else:
        assert warned and labelled < 0.6, (labelled, lab.notes)
        assert all(g.name for g in lab.glyphs)  # unlabelled glyphs are still in the font, as glyph0001 …


def test_agl_names_and_alternates():
    assert glyph_name("A") == "A" and glyph_name("é") == "eacute" and glyph_name("%") == "percent"
    assert glyph_name("\u0416") == "afii10024" or glyph_name("\u0416").startswith("uni")
    gs = [Glyph(id=str(i), page=0, bbox=(0, 0, 1, 1), components=(), char=c) for i, c in enumerate("aba")]
    gs.append(Glyph(id="x", page=0, bbox=(0, 0, 1, 1), components=()))
    named, uni = assign_names(gs)
    assert [g.name for g in named] == ["a", "b", "a.alt1", "glyph0001"]
    assert all(g.name is None for g in gs)  # the stage returns new records, its input is left as it was
    assert uni == {"a": 0x61, "b": 0x62, "a.alt1": None, "glyph0001": None}


# --- vectorization on shapes with known answers ------------------------------------------------------------

def _supersampled(draw, size=200, factor=8):
    big = np.zeros((size * factor, size * factor), np.uint8)
    draw(big, factor)
    return cv2.resize(big.astype(np.float32) / 255.0, (size, size), interpolation=cv2.INTER_AREA)


def _unit_glyph():
    # 1 px = 10 units, origin at page (0, 200): font units are page px ×10 with y flipped
    return Glyph(id="g", page=0, bbox=(0, 0, 200, 200), components=(), origin=(0.0, 200.0), units_per_px=10.0)


def test_circle_traces_to_a_circle():
    soft = _supersampled(lambda im, f: cv2.circle(im, (100 * f, 100 * f), 60 * f, 255, -1))
    outline = trace(GlyphMask("g", 0, 0, soft), _unit_glyph())
    assert len(outline.contours) == 1
    pts = np.array([(x, y) for x, y, s in outline.contours[0] if s is not None])
    radii = np.hypot(pts[:, 0] - 1000, pts[:, 1] - 1000)
    assert np.all(np.abs(radii - 600) < 4)  # on-curve points on the circle, within 0.4 px
    assert 4 <= len(pts) <= 8  # extrema, and not many more
    shape = drawing_to_shape(outline, steps=64)  # flattened finely: the polygon's own deficit stays < 0.05 %
    assert abs(shape.area - math.pi * 600 ** 2) / (math.pi * 600 ** 2) < 0.005
    assert signed_area(np.array(pts, float)) > 0  # counter-clockwise


def test_square_with_hole_has_four_corners_each_and_right_directions():
    def draw(im, f):
        cv2.rectangle(im, (40 * f, 40 * f), (160 * f - 1, 160 * f - 1), 255, -1)
        cv2.rectangle(im, (80 * f, 80 * f), (120 * f - 1, 120 * f - 1), 0, -1)

    outline = trace(GlyphMask("g", 0, 0, _supersampled(draw)), _unit_glyph())
    assert len(outline.contours) == 2
    outer, hole = sorted(outline.contours, key=lambda c: -abs(signed_area(np.array([p[:2] for p in c]))))
    for contour, corners in ((outer, {(400, 400), (1600, 400), (1600, 1600), (400, 1600)}),
                             (hole, {(800, 800), (1200, 800), (1200, 1200), (800, 1200)})):
        on = [(round(x), round(y)) for x, y, s in contour if s is not None]
        assert len(on) == 4 and all(s == "line" for _, _, s in contour)
        for c in corners:  # sharp corners recovered to within 0.2 px
            assert min(math.hypot(c[0] - x, c[1] - y) for x, y in on) <= 2
    assert signed_area(np.array([p[:2] for p in outer])) > 0  # outer counter-clockwise (y up)
    assert signed_area(np.array([p[:2] for p in hole])) < 0  # hole clockwise


def test_serifed_stem_keeps_its_corners():
    """A stem with slab serifs (an I): 12 sharp corners, all straight lines, counter-clockwise."""
    poly = np.array([[40, 30], [160, 30], [160, 50], [115, 50], [115, 150], [160, 150], [160, 170], [40, 170],
                     [40, 150], [85, 150], [85, 50], [40, 50]], np.int32)

    def draw(im, f):
        cv2.fillPoly(im, [poly * f], 255)

    outline = trace(GlyphMask("g", 0, 0, _supersampled(draw)), _unit_glyph())
    assert len(outline.contours) == 1
    on = [(x, y, s) for x, y, s in outline.contours[0] if s is not None]
    assert len(on) == 12 and all(s == "line" for _, _, s in on)
    truth = {(10 * x, 2000 - 10 * y) for x, y in poly}  # page px → font units of _unit_glyph
    for tx, ty in truth:  # every corner recovered to within 0.2 px
        assert min(math.hypot(tx - x, ty - y) for x, y, _ in on) <= 2
    assert signed_area(np.array([p[:2] for p in on])) > 0


def test_short_serif_faces_keep_both_corners_under_blur():
    """Slab serifs whose end faces are only 3.5–4 px tall, blurred like a mild scan (σ 0.9 px): the blur
    rounds each end into one turn, yet both corners of every face come back, within 0.5 px."""
    for face in (3.5, 4.0):
        s0, x0, x1, s1, top, bot = 70.3, 80.3, 89.3, 99.3, 60.2, 120.2
        poly = np.array([[s0, top], [s1, top], [s1, top + face], [x1, top + face], [x1, bot - face],
                         [s1, bot - face], [s1, bot], [s0, bot], [s0, bot - face], [x0, bot - face],
                         [x0, top + face], [s0, top + face]])
        soft = cv2.GaussianBlur(_supersampled(lambda im, f: cv2.fillPoly(im, [np.round(poly * f).astype(np.int32)], 255)),
                                (0, 0), 0.9)
        outline = trace(GlyphMask("g", 0, 0, soft), _unit_glyph())
        on = np.array([(x / 10, 200 - y / 10) for c in outline.contours for x, y, s in c if s is not None])
        for corner in poly[np.isin(poly[:, 0], (s0, s1))]:  # the 8 corners at the serifs' ends
            assert np.hypot(*(on - corner).T).min() <= 0.5, (face, corner)


def test_round_terminals_stay_round():
    """A bar with semicircular ends of radius 3–4.5 px (a rounded sans at text size), sharp or blurred: the
    ends are traced as smooth curves, every on-curve point with collinear handles (no corners)."""
    for r in (3.0, 3.5, 4.5):
        for blur in (0.0, 0.9):
            def draw(im, f):
                cv2.rectangle(im, (int(60 * f), int((100 - r) * f)), (int(140 * f), int((100 + r) * f)), 255, -1)
                for cx in (60, 140):
                    cv2.circle(im, (int(cx * f), int(100 * f)), int(r * f), 255, -1)

            soft = _supersampled(draw)
            if blur:
                soft = cv2.GaussianBlur(soft, (0, 0), blur)
            contour = trace(GlyphMask("g", 0, 0, soft), _unit_glyph()).contours[0]
            for k, (x, y, s) in enumerate(contour):
                if s is None:
                    continue
                (px, py, _), (nx, ny, _) = contour[k - 1], contour[(k + 1) % len(contour)]
                turn = math.degrees(abs((math.atan2(ny - y, nx - x) - math.atan2(y - py, x - px) + math.pi)
                                        % (2 * math.pi) - math.pi))
                assert turn < 20, (r, blur, x / 10, 200 - y / 10, turn)


def test_font_glyph_traces_close_to_its_outline():
    """The fit honours its tolerance, which is in font units: a 24 pt g at 600 dpi (≈ 4.8 units per px)."""
    path = font_path("serif")
    spec = render_specimen(path, lines=["g"], dpi=600, size_pt=24)
    from fontTools.ttLib import TTFont
    from glyphseg.geometry import boundary_distances
    from glyphseg.pipeline import ExtractOptions, extract

    gs = TTFont(path).getGlyphSet()
    truth = drawing_to_shape(gs["g"], spec.glyphs[0].font_to_page, glyph_set=gs)
    for tolerance in (1.0, 2.0):
        ex = extract([], ExtractOptions(text="g", tolerance=tolerance), pages=[Page(0, "t", 600, spec.image)])
        g = ex.glyphs[0]
        answer = drawing_to_shape(ex.outlines[g.id], g.units_to_page)
        d = boundary_distances(answer, truth) * g.units_per_px  # font units
        # the fit may be `tolerance` off the traced boundary, which is itself ~0.1 px off the true one
        assert d.mean() <= 0.5 * tolerance + 0.5 and d.max() <= tolerance + 2.0
        assert iou(answer, truth) > 0.975


def test_extrema_get_on_curve_points_where_the_shape_has_them():
    """A D (stem plus half an ellipse, its bowl flattish where it meets the stem) and a lopsided blob: every
    horizontal and vertical extremum carries an on-curve point, within 0.25 px across and 1.5 px along, and
    the smooth ones have horizontal or vertical handles."""
    from glyphseg.score import extrema_present, outline_extrema

    t = np.linspace(-np.pi / 2, np.pi / 2, 400)
    d_shape = np.vstack([[[60, 170], [60, 30], [90, 30]], np.stack([90 + 70 * np.cos(-t), 100 + 70 * np.sin(-t)], 1)[::-1], [[90, 170]]])
    u = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    blob = np.stack([100 + 55 * np.cos(u) + 12 * np.cos(2 * u), 100 + 40 * np.sin(u) + 9 * np.sin(2 * u + 0.7)], 1)
    for poly in (d_shape, blob):
        outline = trace(GlyphMask("g", 0, 0, _supersampled(lambda im, f: cv2.fillPoly(im, [np.round(poly * f).astype(np.int32)], 255))),
                        _unit_glyph())
        truth = [np.stack([10 * poly[:, 0], 2000 - 10 * poly[:, 1]], 1)]  # in the font units of _unit_glyph
        on = np.array([(x, y) for c in outline.contours for x, y, s in c if s is not None])
        found, total = extrema_present(outline_extrema(truth, min_prominence=5), on, radius=2.5, along=15)
        assert total >= 4 and found == total, (found, total)
        assert len(outline.contours) == 1
        c = outline.contours[0]
        level = 0  # smooth points whose handles on both sides are horizontal, or both vertical
        for k, (x, y, s) in enumerate(c):
            prev, nxt = c[k - 1], c[(k + 1) % len(c)]
            if s is not None and prev[2] is None and nxt[2] is None:
                level += (abs(prev[1] - y) < 0.5 and abs(nxt[1] - y) < 0.5) or (abs(prev[0] - x) < 0.5 and abs(nxt[0] - x) < 0.5)
        assert level >= (4 if poly is blob else 1)


def test_acute_corners_are_sharpened_to_their_tip():
    """Wedges of 20–45° opening, antialiased and blurred like a mild scan: the tip (cut back ~2 px by the
    blur at the 0.5 level) is recovered to within 0.5 px."""
    for opening in (20, 30, 45):
        a = math.radians(opening / 2)
        apex = np.array([100.3, 40.2])
        poly = np.array([apex, apex + 120 * np.array([math.sin(a), math.cos(a)]),
                         apex + 120 * np.array([-math.sin(a), math.cos(a)])])
        soft = cv2.GaussianBlur(_supersampled(lambda im, f: cv2.fillPoly(im, [np.round(poly * f).astype(np.int32)], 255)),
                                (0, 0), 0.9)
        outline = trace(GlyphMask("g", 0, 0, soft), _unit_glyph())
        on = np.array([(x / 10, 200 - y / 10) for c in outline.contours for x, y, s in c if s is not None])
        assert np.hypot(*(on - apex).T).min() <= 0.5, opening


@pytest.mark.parametrize("seed", range(6))
def test_random_pages_and_transcripts_hold_through_export(seed, tmp_path):
    """Random lines at random tracking (letters overlapping to letterspaced), degraded, with a transcript that
    is right, reversed or random: the cuts and joins of labelling must still give unique ids, and every stage
    through export must hold (a reused id once made two glyphs share a UFO name and the export fail)."""
    import random

    from glyphseg.export import export
    from glyphseg.pipeline import ExtractOptions, extract

    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyzAVWffi;:%ä"
    lines = ["".join(rng.choice(alphabet) for _ in range(rng.randint(3, 12))) for _ in range(2)]
    spec = degrade(render_specimen(font_path(rng.choice(["serif", "sans", "contrast"])), lines=lines, dpi=150,
                                   tracking_em=rng.choice([-0.15, -0.05, 0.0, 0.12])),
                   rng.choice(["clean", "mild", "harsh"]), seed=seed)
    text = rng.choice(["".join(lines), "".join(lines)[::-1], "".join(rng.choice(alphabet) for _ in range(20))])
    ex = extract([], ExtractOptions(text=text, segmenter="threshold"), pages=[Page(0, "p", 150, spec.image)])
    ids = [g.id for g in ex.glyphs]
    assert len(ids) == len(set(ids))
    names = [g.name for g in ex.glyphs if g.name]
    assert len(names) == len(set(names))
    out = export(ex, str(tmp_path / "out"), report=False)
    assert os.path.exists(os.path.join(out, "glyphs.json"))


def test_prominent_peaks_are_scipys_find_peaks():
    """vectorize's own peak finder (scipy.signal costs 0.8 s to import) finds exactly scipy's peaks."""
    from scipy.signal import find_peaks

    from glyphseg.vectorize import prominent_peaks

    rng = np.random.default_rng(7)
    for trial in range(3000):
        x = rng.normal(size=int(rng.integers(3, 80))).cumsum()
        if trial % 2:
            x = np.round(x)  # plateaus
        p = float(rng.choice([0.0, 0.3, 1.0, 2.5]))
        assert prominent_peaks(x, p).tolist() == find_peaks(x, prominence=p)[0].tolist()


def test_large_glyphs_are_traced_from_a_reduced_mask_with_the_same_shape():
    """A glyph at 600 px/em is traced from its mask averaged 3 × 3 (≤ 250 px/em): the outline stays within two
    tolerances (4 units: both traces may sit a tolerance off the edge, on opposite sides) of the one traced at
    full resolution."""
    from glyphseg.pipeline import ExtractOptions, extract
    from glyphseg.vectorize import TraceOptions, trace_factor

    spec = render_specimen(font_path("serif"), lines=["g"], dpi=2400, size_pt=18)
    ex = extract([], ExtractOptions(text="g", segmenter="threshold", jobs=1),
                 pages=[Page(0, "g", 2400, spec.image)])
    (g,) = ex.glyphs
    assert trace_factor(g, TraceOptions()) == 3
    full = trace(ex.masks[g.id], g, TraceOptions(max_px_per_em=1e9))
    reduced = ex.outlines[g.id]
    a, b = drawing_to_shape(full), drawing_to_shape(reduced)
    assert a.boundary.hausdorff_distance(b.boundary) <= 2 * TraceOptions().tolerance
    assert iou(a, b) > 0.985


def test_spacing_solves_bearings_from_repeated_letters():
    """Sample words at the font's own spacing: bearings solved over all gaps are closer to the font's than half
    of each gap, the outline moves with its frame (same page pixels), and the manifest says how."""
    from fontTools.ttLib import TTFont

    from glyphseg.pipeline import ExtractOptions, extract
    from glyphseg.spacing import ink_extent, space

    path = font_path("sans")
    spec = render_specimen(path, lines=["minimum nomination", "union mountain"], dpi=600, tracking_em=0.0)
    ex = extract([], ExtractOptions(text=spec.text, segmenter="threshold", spacing=False, jobs=1),
                 pages=[Page(0, "w", 600, spec.image)])
    spaced = space(ex.glyphs, ex.outlines)
    font = TTFont(path)
    upem, gs, cmap = font["head"].unitsPerEm, font.getGlyphSet(), font.getBestCmap()
    scale = spec.glyphs[0].matrix[0, 0]  # page px per font unit
    by_id = {g.id: g for g in spaced.glyphs}
    errors = {"split": [], "gaps": []}
    for g in ex.glyphs:
        true_adv = gs[cmap[ord(g.char)]].width
        for tag, glyph in (("split", g), ("gaps", by_id[g.id])):
            errors[tag].append(abs(glyph.advance / glyph.units_per_px / scale - true_adv) * 1000 / upem)
        # the same ink on the page: the outline's left edge, mapped through old and new frames
        old_x = g.units_to_page(np.array([ink_extent(ex.outlines[g.id])[0]]), np.array([0.0]))[0][0]
        new_x = by_id[g.id].units_to_page(np.array([ink_extent(spaced.outlines[g.id])[0]]), np.array([0.0]))[0][0]
        assert abs(old_x - new_x) < 1e-6
    assert np.median(errors["gaps"]) < 0.6 * np.median(errors["split"]), errors
    assert set(spaced.method.values()) <= {"gaps", "prior"} and "gaps" in spaced.method.values()
    assert spaced.space_width > 100  # from the word gap


@pytest.mark.parametrize("kind", ["serif", "sans"])
def test_the_counters_of_n_o_and_h_are_measured_on_their_masks(kind):
    """The spacing stage's reading of a specimen's rhythm: n's counter (from n, o and H prints) within 4 % of
    the font's own (its outline crossed at the same height, fontTools' PointInsidePen), and serif or sans."""
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.pens.pointInsidePen import PointInsidePen
    from fontTools.ttLib import TTFont

    from glyphseg.pipeline import ExtractOptions, extract
    from glyphseg.spacing import COUNTER_SCANS, counter_width, specimen_counters

    path = font_path(kind)
    spec = render_specimen(path, lines=["nnoo HHnn"], dpi=600, size_pt=14, tracking_em=0.0)
    ex = extract([], ExtractOptions(text=spec.text, segmenter="threshold", spacing=False, jobs=1),
                 pages=[Page(0, "n", 600, spec.image)])
    found = specimen_counters(ex.glyphs, ex.masks)
    font = TTFont(path)
    gs, upem = font.getGlyphSet(), font["head"].unitsPerEm
    n = gs[font.getBestCmap()[ord("n")]]
    bounds = BoundsPen(gs)
    n.draw(bounds)
    x0, y0, x1, y1 = bounds.bounds
    inside = []
    for x in range(int(x0) - 2, int(x1) + 3):
        pen = PointInsidePen(gs, (x, y0 + COUNTER_SCANS["n"] * (y1 - y0)))
        n.draw(pen)
        inside.append(float(pen.getResult()))
    true_counter = counter_width(np.array(inside)) * 1000 / upem  # em/1000
    scale = spec.glyphs[0].matrix[0, 0] * upem / 1000  # page px per em/1000
    g = ex.glyphs[0]
    assert found.kind == kind
    assert abs(found.n / g.units_per_px / scale / true_counter - 1) < 0.04


def test_a_letterspaced_specimen_gives_the_faces_own_spacing():
    """An alphabet letterspaced by 0.12 em: the spacing stage finds the tracking from the letters' counters and
    takes it out, so the advances come back near the font's own (as from the same alphabet set solid, where
    nothing is taken out); `tracking=0` keeps the spacing as printed."""
    from fontTools.ttLib import TTFont

    from glyphseg.pipeline import ExtractOptions, extract
    from glyphseg.spacing import space
    from glyphseg.specimen import DEFAULT_LINES

    path = font_path("sans")
    font = TTFont(path)
    upem, gs, cmap = font["head"].unitsPerEm, font.getGlyphSet(), font.getBestCmap()

    def advance_errors(spaced, spec):  # em/1000 of the true em, per glyph
        scale = spec.glyphs[0].matrix[0, 0]  # page px per font unit
        return [abs(g.advance / g.units_per_px / scale - gs[cmap[ord(g.char)]].width) * 1000 / upem
                for g in spaced.glyphs if g.char]

    found = {}
    for tracking in (0.0, 0.12):
        spec = render_specimen(path, lines=DEFAULT_LINES, dpi=400, tracking_em=tracking)
        ex = extract([], ExtractOptions(text=spec.text, segmenter="threshold", spacing=False, consensus=False, jobs=1),
                     pages=[Page(0, "a", 400, spec.image)])
        found[tracking] = (space(ex.glyphs, ex.outlines, ex.masks), space(ex.glyphs, ex.outlines, ex.masks, 0.0),
                           spec)
    solid, letterspaced = found[0.0][0], found[0.12][0]
    assert solid.tracking == 0 and abs(solid.tracking_estimate) < 0.04
    assert abs(letterspaced.tracking - 0.12) < 0.03 and letterspaced.tracking == letterspaced.tracking_estimate
    kept, spec = found[0.12][1:]
    assert kept.tracking == 0 and np.median(advance_errors(kept, spec)) > 90  # as printed: 120 wider
    assert np.median(advance_errors(letterspaced, spec)) < 25
    widths = lambda sp: {g.char: g.advance for g in sp.glyphs if g.char}  # noqa: E731
    assert np.median([abs(widths(letterspaced)[c] - w) for c, w in widths(solid).items()]) < 25


def test_kerning_only_where_the_evidence_repeats():
    """A pair seen three times 40 units tighter than its letters' bearings elsewhere becomes a kern pair; the
    same departure seen once does not."""
    from glyphseg.spacing import solve_bearings

    bearings = {"n": (60, 50), "A": (10, 12), "V": (8, 9), "o": (40, 42)}
    kerns = {("A", "V"): -40, ("V", "o"): -40}
    # AV three times, Vo once; A and V also beside n and o, which pins their bearings down
    words = ["nAn", "oAo", "nAo", "nVn", "oVo", "oVn", "AnA", "VoV", "nAVn", "oAVn", "nAVo", "nVon", "nono"]
    glyphs, ink, origin = [], {}, {}
    for line, word in enumerate(words):
        x = 0.0
        for k, ch in enumerate(word):
            if k:
                x += kerns.get((word[k - 1], ch), 0)
            gid = f"{line}-{k}"
            glyphs.append(Glyph(id=gid, page=0, bbox=(0, 0, 1, 1), components=(), line=line, order=k, char=ch))
            ink[gid] = (bearings[ch][0], bearings[ch][0] + 300)
            origin[gid] = x
            x += sum(bearings[ch]) + 300
    sol = solve_bearings(glyphs, ink, origin)
    assert set(sol.kerning) == {("A", "V")}
    kern, seen = sol.kerning[("A", "V")]
    assert abs(kern + 40) < 3 and seen == 3
    for ch, (lsb, rsb) in bearings.items():  # the kern taken out, the bearings come back (up to the pull towards
        assert abs(sol.bearings[ch][0] + sol.bearings[ch][1] - lsb - rsb) < 20  # the reference fonts' proportions)


def test_consensus_outline_from_repeated_prints():
    """A word page that repeats letters: the prints of a letter that agree share one outline and one UFO glyph,
    each print's copy lies on its own ink, and --no-consensus keeps one outline (and alternate) per print."""
    import shapely

    from glyphseg.export import build_ufo
    from glyphseg.pipeline import ExtractOptions, extract

    spec = degrade(render_specimen(font_path("serif"), lines=["nonnon onnono", "noon no"], dpi=600, tracking_em=0.0),
                   "mild", seed=1)
    page = Page(0, "w", 600, spec.image)
    ex = extract([], ExtractOptions(text=spec.text, segmenter="threshold", jobs=1), pages=[page])
    single = extract([], ExtractOptions(text=spec.text, segmenter="threshold", jobs=1, consensus=False), pages=[page])
    ns = [g for g in ex.glyphs if g.char == "n"]
    fused = [g for g in ns if g.id in ex.consensus]
    assert len(ns) == 10 and len(fused) >= 8 and len({g.name for g in fused}) == 1
    assert all(ex.consensus[g.id] == len(fused) for g in fused)
    assert len(build_ufo(ex).keys()) < len(build_ufo(single).keys())  # alternates folded into one glyph
    assert not single.consensus and len({g.name for g in single.glyphs if g.char == "n"}) == 10
    for g in fused:  # each print's copy of the consensus outline covers that print's own ink
        m = ex.masks[g.id]
        rows, cols = np.nonzero(m.soft >= 0.9)
        shape = drawing_to_shape(ex.outlines[g.id], point_map=g.units_to_page)
        inside = shapely.contains_xy(shape, cols + m.x0 + 0.5, rows + m.y0 + 0.5)
        assert inside.mean() > 0.97, inside.mean()


def test_a_stroke_end_broken_off_above_may_join_its_letter_but_dust_beside_it_may_not():
    """Thin ink breaks the flag off a long s or the bar off a 7 (Kant 1784 p.17 has a dozen): a small piece that
    shares pixel columns with a letter's body may be a piece of it; dust in the gap beside a letter, sharing
    none, may not."""
    from glyphseg.split import may_be_one_letter

    image = np.full((260, 420), 255, np.uint8)
    for x0, y0, x1, y1 in [(40, 80, 52, 180), (200, 80, 212, 180), (120, 80, 160, 180),  # three letter bodies
                           (49, 66, 71, 75),  # a flag broken off the first: shares its columns 49–51 only
                           (180, 160, 192, 172)]:  # dust before the third, in the gap
        image[y0:y1, x0:x1] = 0
    layout = detect(Page(index=0, source="t", dpi=300, image=image))
    by_box = {g.bbox: g for g in layout.glyphs}
    stem, flag, dust, next_stem = (by_box[b] for b in [(40, 80, 52, 180), (49, 66, 71, 75), (180, 160, 192, 172),
                                                       (200, 80, 212, 180)])
    assert may_be_one_letter(layout, [stem, flag], em_px=140.0)
    assert not may_be_one_letter(layout, [dust, next_stem], em_px=140.0)


def test_a_transcript_typed_line_by_line_keeps_the_labels_on_their_lines():
    """Detection lost the b of the first line, and the next line's c looks a little like a b: aligned as one run
    of characters, c takes the b's label and the rest of its line shifts; typed line by line, the transcript's
    breaks hold each line's letters to its printed line. Wrapped elsewhere, its breaks are not trusted."""
    from glyphseg.label import label_with_text, transcript_line_starts
    from glyphseg.types import GlyphZone

    lines = [0, 1, 1, 2, 2]  # printed lines of the glyphs a | c d | e f
    glyphs = [Glyph(id=f"g{i}", page=0, bbox=(10 * i, 0, 10 * i + 8, 10), components=(i,), line=ln)
              for i, ln in enumerate(lines)]
    zones = [GlyphZone(top=0.5, bottom=0.0, width=0.5)] * len(glyphs)  # zones that tell nothing apart
    text = "abcdef"
    shape = np.full((len(glyphs), len(text)), 9.0)
    for i, j in [(0, 0), (2, 3), (3, 4), (4, 5)]:
        shape[i, j] = 0.0
    shape[1, 1], shape[1, 2] = 0.0, 3.0  # the c looks most like b
    labels = {}
    for typed in ["abcdef", "ab\ncd\nef", "abc\ndef"]:
        out, *_ = label_with_text(glyphs, zones, text, extra_cost=shape, line_starts=transcript_line_starts(typed))
        labels[typed] = "".join(g.char or "?" for g in out)
    assert labels["abcdef"] == "abdef"
    assert labels["ab\ncd\nef"] == "acdef"
    assert labels["abc\ndef"] == "abdef"  # its one break falls inside a printed line: not typed by line
