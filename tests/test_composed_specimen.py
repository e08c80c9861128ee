"""Composed specimen-book pages (glyphseg.specimen.render_composed): several faces, rules, an ornament, a frame
and a page number, with exact ground truth that survives a mild print-and-scan."""
import numpy as np
import pytest

from glyphseg.raster import pixel_box
from glyphseg.specimen import DEFAULT_LINES, degrade, render_composed, render_specimen, wrap_words

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
DPI = 150  # small pages keep the tests fast; the benchmark renders at 400
WORDS = "Sphinx of black quartz, judge my vow. The five boxing wizards jump quickly."


def _blocks():
    """Sans at two sizes (one face, 0) around a block of serif words (face 1)."""
    return [(SANS, 18, DEFAULT_LINES[:5], 0),
            (SERIF, 12, wrap_words(SERIF, 12, WORDS, 7.3 * DPI, DPI), 1),
            (SANS, 10, DEFAULT_LINES[:3], 0)]


@pytest.fixture(scope="module")
def page():
    return render_composed(_blocks(), dpi=DPI, seed=3)


def _frame_seed():
    """A seed whose page has a frame (the frame is drawn now and then)."""
    for seed in range(40):
        spec = render_composed(_blocks(), dpi=DPI, seed=seed)
        if any(e.kind == "frame" for e in spec.elements):
            return seed, spec
    raise AssertionError("no frame in 40 seeds")


def _dark(image, bbox, level=128):
    X0, Y0, X1, Y1 = pixel_box(bbox, shape=image.shape)
    return int((image[Y0:Y1, X0:X1] < level).sum())


def test_glyph_boxes_lie_inside_the_page_and_on_ink(page):
    h, w = page.image.shape
    assert (h, w) == (int(11 * DPI), int(8.5 * DPI))
    for g in page.glyphs:
        x0, y0, x1, y1 = g.bbox
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h, g
        assert _dark(page.image, g.bbox) > 0, g


def test_faces_elements_and_reading_order(page):
    kinds = [e.kind for e in page.elements]
    assert kinds.count("rule") == 2 and kinds.count("number") == 1 and kinds.count("ornament") == 1, kinds
    assert {g.face for g in page.glyphs} == {0, 1, -1}
    # the page number comes last: its digits close the transcript, on the page's last line
    number = [g for g in page.glyphs if g.face == -1]
    assert page.glyphs[-len(number):] == number and page.text.endswith("".join(g.char for g in number))
    assert number[0].bbox[1] > max(g.bbox[3] for g in page.glyphs if g.face >= 0)
    lines = [g.line for g in page.glyphs]
    assert lines == sorted(lines) and lines[-1] == max(lines)
    assert page.text.startswith("ABCDEFGHIJKLM") and "Sphinxofblack" in page.text
    # elements hold ink and stay clear of the text
    for e in page.elements:
        assert _dark(page.image, e.bbox) > 0, e
    text_boxes = [g.bbox for g in page.glyphs if g.face >= 0]
    for e in page.elements:
        if e.kind in ("rule", "ornament"):
            assert not any(_overlap(e.bbox, b) for b in text_boxes), e


def _overlap(a, b):
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def test_same_font_at_two_sizes_is_one_face(page):
    sans = [g for g in page.glyphs if g.face == 0]
    scales = {round(float(g.matrix[0, 0]), 6) for g in sans}
    assert len(scales) == 2  # 18 and 10 pt, one face
    assert {g.char for g in sans if g.line < 5} >= set("ABCXYZ") and len([g for g in sans if g.line >= 5]) > 0


def test_wrap_words_fills_the_width():
    lines = wrap_words(SERIF, 12, WORDS, 2.0 * DPI, DPI)
    assert len(lines) > 2 and " ".join(lines) == WORDS
    with pytest.raises(ValueError, match="wider than the text width"):
        render_composed([(SERIF, 12, [WORDS * 3], 0)], dpi=DPI)
    with pytest.raises(ValueError, match="do not fit"):
        render_composed([(SANS, 30, DEFAULT_LINES[:5], 0)] * 6, dpi=DPI)


def test_mild_degrade_keeps_element_boxes_on_the_ink():
    _, spec = _frame_seed()
    out = degrade(spec, "mild", seed=5)
    assert len(out.elements) == len(spec.elements)
    for e, e0 in zip(out.elements, spec.elements):
        # (a hairline rule at 150 dpi prints grey, not black: 200 is well below the paper's 238 ± noise)
        assert e.kind == e0.kind and _dark(out.image, e.bbox, 200) > 0, e
    for e in spec.elements:
        if e.kind == "rule":
            # the rule's box is tight: no ink in a band just above or below it
            x0, y0, x1, y1 = e.bbox
            assert _dark(spec.image, (x0, y0 - 3, x1, y0 - 1), 250) == 0, e
            assert _dark(spec.image, (x0, y1 + 1, x1, y1 + 3), 250) == 0, e
            assert _dark(spec.image, (x0, y0, x0 + 3, y1), 128) > 0 and _dark(spec.image, (x1 - 3, y0, x1, y1), 128)
    frame = next(e for e in out.elements if e.kind == "frame")
    # the frame's ink is between its box and its hole: its sides are dark, the band just inside the hole is not
    hx0, hy0, hx1, hy1 = frame.hole
    assert frame.bbox[0] < hx0 < hx1 < frame.bbox[2] and frame.bbox[1] < hy0 < hy1 < frame.bbox[3]
    assert _dark(out.image, (frame.bbox[0], hy0, hx0, hy1), 100) > 0
    assert _dark(out.image, (hx0 + 1, hy0 + 1, hx0 + 3, hy1 - 1), 100) == 0
    # glyph boxes still on ink after the rotation
    assert all(_dark(out.image, g.bbox, 140) > 0 for g in out.glyphs)


def test_a_specimen_without_elements_degrades_as_before():
    spec = render_specimen(SERIF, ["Hamburg"], dpi=150, size_pt=14)
    out = degrade(spec, "mild", seed=1)
    assert out.elements == [] and all(g.face == 0 for g in out.glyphs)


def test_deterministic_for_a_seed(page):
    again = render_composed(_blocks(), dpi=DPI, seed=3)
    assert np.array_equal(again.image, page.image)
    assert [(e.kind, e.bbox) for e in again.elements] == [(e.kind, e.bbox) for e in page.elements]
    other = render_composed(_blocks(), dpi=DPI, seed=4)
    assert not np.array_equal(other.image, page.image)


def test_truth_boxes_hold_the_printed_ink_only():
    """A font may keep anchors as lone-point contours (Spira's c and e: one at cap height, beyond the advance);
    they print nothing, and the true box is the ink's. Before, those boxes were twice the letters' size and every
    c and e counted as missed."""
    import os
    from tests.conftest import font_path
    path = os.path.join(os.path.dirname(font_path("proto-roman")), "Spira-ProtoRoman110R.otf")
    spec = render_specimen(path, ["ceo"], dpi=300, size_pt=14)
    for g in spec.glyphs:
        x0, y0, x1, y1 = pixel_box(g.bbox, pad=2)
        rows, cols = np.nonzero(spec.coverage[y0:y1, x0:x1] > 0.5)
        ink = (x0 + cols.min(), y0 + rows.min(), x0 + cols.max() + 1, y0 + rows.max() + 1)
        assert all(abs(a - b) <= 1.5 for a, b in zip(g.bbox, ink)), (g.char, g.bbox, ink)
