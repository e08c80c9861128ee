"""Several faces and sizes on a page: line sizes, faces as fonts, non-type elements, --faces and --family."""
import doctest
import json
import subprocess
import sys
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import ufoLib2

import glyphseg.detect
import glyphseg.faces
import glyphseg.geometry
import glyphseg.label
from glyphseg.detect import detect
from glyphseg.export import write_extraction
from glyphseg.label import label
from glyphseg.pipeline import ExtractOptions, extract
from glyphseg.score import box_iou, match_boxes
from glyphseg.specimen import DEFAULT_LINES, render_specimen
from glyphseg.types import Glyph, Page

from conftest import font_path

WORDS = ["Hamburgefonstiv quijote", "affiliate office"]


def stacked(parts, gap=80):
    """Specimens one below the other on one page; the ground truth shifted with them, face = part index."""
    width = max(p.image.shape[1] for p in parts)
    images, truth, y = [], [], 0
    for face, p in enumerate(parts):
        images.append(np.pad(p.image, ((0, gap), (0, width - p.image.shape[1])), constant_values=255))
        for g in p.glyphs:
            x0, y0, x1, y1 = g.bbox
            truth.append((face, g.char, (x0, y0 + y, x1, y1 + y)))
        y += p.image.shape[0] + gap
    return np.vstack(images), truth


@pytest.fixture(scope="module")
def two_faces():
    """DejaVu Serif at 14 and 28 pt (one face, two sizes), Liberation Sans at 10 pt (a second face)."""
    serif, sans = font_path("serif"), font_path("sans")
    parts = [render_specimen(serif, DEFAULT_LINES[:4], size_pt=14, tracking_em=0),
             render_specimen(serif, WORDS, size_pt=28, tracking_em=0),
             render_specimen(sans, WORDS + DEFAULT_LINES[2:4], size_pt=10, tracking_em=0)]
    image, truth = stacked(parts)
    truth = [(0 if face < 2 else 1, ch, box) for face, ch, box in truth]  # the serif at two sizes is one face
    text = "".join(ch for _, ch, _ in truth)
    return image, truth, text


def test_line_sizes_follow_the_print(two_faces):
    image, truth, text = two_faces
    page = Page(0, "three-blocks.png", 600, image)
    lab = label([detect(page)], [page], text)
    sizes = sorted({round(ln.size, 2) for ln in lab.layouts[0].lines})
    assert len(sizes) == 3 and 1.0 in sizes, sizes  # 1: the size with the most glyphs, the reference em
    small, mid, big = sizes
    # 28 : 14 : 10 pt, from labels against typical fonts (±8 %) before faces re-sizes a face's lines by the
    # letters they share
    assert abs(big / mid - 2.0) < 0.16 and abs(mid / small - 1.4) < 0.12, sizes


def test_a_smaller_bold_is_another_size_and_another_face():
    """Roboto Slab Bold at 12 pt has the stems of Roboto Slab at 18 pt, so stems cannot say the lines are two
    sizes; a transcript's labels can. Measured at one size, the regular's strokes looked as heavy as the bold's
    and both faces were one."""
    regular = font_path("slab")
    bold = regular.replace("Regular", "Bold")
    parts = [render_specimen(regular, WORDS, size_pt=18, tracking_em=0),
             render_specimen(bold, WORDS + ["Sphinx of black quartz"], size_pt=12, tracking_em=0)]
    image, truth = stacked(parts)
    page = Page(0, "regular-and-bold.png", 600, image)
    lab = label([detect(page)], [page], "".join(ch for _, ch, _ in truth))
    sizes = [ln.size for ln in lab.layouts[0].lines]
    assert abs(max(sizes) / min(sizes) - 1.5) < 0.12, sizes
    found = glyphseg.faces.faces(lab, [page]).found
    assert len(found) == 2, [f.lines for f in found]


def test_without_a_transcript_case_twins_do_not_set_a_lines_size():
    """The same pair without a transcript, the regular's lines a lowercase alphabet and a word: recognition reads
    its o s u v w x z c as capitals as readily (the same shapes, smaller), which put the line's em at the bold's
    (sizes 1.0 / 1.0, against 1.5 printed: composed page 11's Roboto Slab pair was one face). The line's em now
    comes from the letters without a twin of the other case."""
    regular = font_path("slab")
    bold = regular.replace("Regular", "Bold")
    parts = [render_specimen(regular, ["abcdefghijklmnopqrstuvwxyz", "Hamburgefonstiv"], size_pt=18, tracking_em=0),
             render_specimen(bold, WORDS + ["Sphinx of black quartz"], size_pt=12, tracking_em=0)]
    image, _ = stacked(parts)
    page = Page(0, "regular-and-bold.png", 600, image)
    lab = label([detect(page)], [page], None)
    sizes = [ln.size for ln in lab.layouts[0].lines]
    assert abs(max(sizes) / min(sizes) - 1.5) < 0.12 and sorted(sizes)[1] == min(sizes), sizes


def test_a_display_line_is_read_again_at_its_own_size():
    """DejaVu Sans Mono at 24 pt over the same face at 18 pt, no transcript: the 24 pt x-height is the 18 pt cap
    height, and ink alone keeps every line at one size. The labels then size the display line (1.33), but they
    were read in the body's zones: v o w read as V 0 W, so the line held lowercase 4 times of 27 (composed page
    0: the 24 and 18 pt lines two faces). A line whose size moved is read again in its own zones."""
    mono = font_path("mono")
    parts = [render_specimen(mono, ["vow. How vexingly quick daft zebras"], size_pt=24, tracking_em=0, dpi=400),
             render_specimen(mono, ["Wave AVOW Tuxedo Lynx modern burn", "Quality Typography The quick brown fox"],
                             size_pt=18, tracking_em=0, dpi=400),
             render_specimen(mono.replace(".ttf", "-Bold.ttf"), ["ABCDEFGHIJKLM", "abcdefghijklm"], size_pt=18,
                             tracking_em=0, dpi=400)]
    image, _ = stacked(parts)
    page = Page(0, "display-line.png", 400, image)
    lay = label([detect(page)], [page], None).layouts[0]
    by_id = {g.id: g for g in lay.glyphs}
    display = max(lay.lines, key=lambda ln: ln.size)
    read = "".join(by_id[gid].char or "?" for gid in display.glyph_ids)
    assert abs(display.size - 24 / 18) < 0.05, display.size
    assert sum(c.islower() for c in read) >= 22, read  # 27 lowercase letters printed


@pytest.mark.parametrize("with_text", [True, False])
def test_each_face_its_own_font(two_faces, tmp_path, with_text):
    image, truth, text = two_faces
    page = Page(0, "three-blocks.png", 600, image)
    ex = extract([], ExtractOptions(text=text if with_text else None, family="Proof"), pages=[page])
    out = tmp_path / "out"
    write_extraction(ex, str(out))
    manifest = json.loads((out / "glyphs.json").read_text())
    assert [f["ufo"] for f in manifest["faces"]] == ["Proof-Regular.ufo", "Proof2-Regular.ufo"]
    assert manifest["ufo"] == "Proof-Regular.ufo" and manifest["font"]["familyName"] == "Proof"
    entries = manifest["glyphs"]
    m = match_boxes([e["bbox"] for e in entries], [box for _, _, box in truth])
    assert m.f1 >= 0.99
    right = sum(entries[i]["face"] == truth[j][0] for i, j in m.pairs)
    assert right / len(truth) >= 0.98
    # the serif's two sizes are one face, normalised to one em: 28 pt is twice 14 pt to 3 %
    sizes = manifest["faces"][0]["sizes_pt"]
    assert len(sizes) == 2 and abs(sizes[1] / sizes[0] - 2.0) < 0.06, sizes
    for k, face in enumerate(manifest["faces"]):
        font = ufoLib2.Font.open(out / face["ufo"])
        assert font.info.familyName == ("Proof" if k == 0 else "Proof 2")
        assert len(font) >= face["glyphs"] // 2
    if with_text:  # each face's first "a" is its own "a"
        assert (out / "svg" / "a.svg").exists() and (out / "svg" / "Proof2-Regular" / "a.svg").exists()


def test_a_running_foot_is_a_face_of_its_own():
    """A sheet's caption in its bottom margin (the publisher, the sheet's number) at a fifth of the specimen's
    size: its own face even when it is set in the specimen's design, which style alone would merge (the four
    Krause sheets' captions, a printed Fraktur under written Fraktur, differed from their specimens by 0.7–1.4
    against FACE_DISTANCE 2). The same small line inside the page, among the specimen's lines, stays one face
    with them."""
    serif = font_path("serif")
    body = render_specimen(serif, DEFAULT_LINES[:3] + WORDS, size_pt=24, tracking_em=0)
    foot = render_specimen(serif, ["Specimen of a serif, sheet 3, printed 1922"], size_pt=5, tracking_em=0)
    image, truth = stacked([body, foot], gap=700)
    image = image[:image.shape[0] - 640]  # the foot 60 px off the page's bottom edge
    text = "".join(ch for _, ch, _ in truth)
    page = Page(0, "sheet.png", 600, image)
    found = glyphseg.faces.faces(label([detect(page)], [page], text), [page])
    assert len(found.found) == 2 and found.found[1].lines == [found.found[1].lines[-1]], found.found
    feet = {g.face for g in found.glyphs if g.bbox[1] > image.shape[0] * (1 - glyphseg.faces.NUMBER_MARGIN)}
    assert feet == {1} and {g.face for g in found.glyphs if g.bbox[1] < body.image.shape[0]} == {0}
    # inside the page, between the specimen's lines, it is no running foot
    inside, truth_inside = stacked([body, foot, body])
    page = Page(0, "sheet.png", 600, inside)
    found = glyphseg.faces.faces(label([detect(page)], [page], "".join(ch for _, ch, _ in truth_inside)), [page])
    assert len(found.found) == 1, found.found


def test_one_face_stays_one(tmp_path):
    spec = render_specimen(font_path("mono"))
    ex = extract([], ExtractOptions(text=spec.text), pages=[Page(0, "mono.png", 600, spec.image)])
    assert len(ex.faces) == 1 and {g.face for g in ex.glyphs} == {0}
    assert all(ln.size == 1.0 for ln in ex.lines)
    assert ex.elements == []


def test_rules_and_ornaments_stay_out_of_the_font(tmp_path):
    spec = render_specimen(font_path("serif"), DEFAULT_LINES[:3], size_pt=14, tracking_em=0)
    pad = 300
    image = np.pad(spec.image, ((pad, pad), (0, 0)), constant_values=255)
    h, w = image.shape
    cv2.rectangle(image, (100, pad - 120), (w - 100, pad - 108), 0, thickness=-1)  # a rule above the text
    cv2.ellipse(image, (w // 2, h - 140), (420, 90), 0, 0, 360, 0, thickness=25)  # an ornament below it
    ex = extract([], ExtractOptions(text=spec.text), pages=[Page(0, "ruled.png", 600, image)])
    kinds = sorted(e.kind for e in ex.elements)
    assert kinds == ["ornament", "rule"], kinds
    for g in ex.glyphs:
        assert g.bbox[1] >= pad - 100 and g.bbox[3] <= h - 240, g  # no glyph on the rule or the ornament
    assert len(ex.faces) == 1


def test_words_in_and_under_a_frame_stay_type():
    """A frame's ink is its border; what it frames lies inside its box. A short line inside a frame and a word
    set under it are type, not pieces of the frame (Krause sheet 2: the sample words in and under its frame
    were set aside as ornament)."""
    spec = render_specimen(font_path("serif"), ["Hamburgefonstiv", "Art", "", "Fig"], size_pt=14, tracking_em=0)
    image = spec.image.copy()
    boxes = [g.bbox for g in spec.glyphs if g.line < 2]
    th = spec.glyphs[0].matrix[0, 0] * 1000  # about a text height: half the em
    x0, y0 = min(b[0] for b in boxes) - 1.5 * th, min(b[1] for b in boxes) - 1.5 * th
    x1, y1 = max(b[2] for b in boxes) + 1.5 * th, max(b[3] for b in boxes) + 1.0 * th
    fig_top = min(g.bbox[1] for g in spec.glyphs if g.line == 3)
    assert y1 < fig_top - 0.5 * th  # the frame ends above the word under it
    cv2.rectangle(image, (int(x0), int(y0)), (int(x1), int(y1)), 0, thickness=8)
    ex = extract([], ExtractOptions(), pages=[Page(0, "framed.png", 600, image)])
    assert [e.kind for e in ex.elements] == ["frame"], ex.elements
    assert len(ex.glyphs) == len(spec.glyphs)


def test_an_underline_is_a_rule_not_part_of_the_letters_above_it():
    """A name underlined by a rule a little shorter than `large` components (Krause sheet 4's "Paul Gleim"): the
    rule is an element, and each letter above it is its own glyph (before, the rule grouped with the letters it
    stood under, as a dot does with its stem)."""
    from glyphseg.detect import detect

    spec = render_specimen(font_path("serif"), lines=["Hamburg Hamburg"], dpi=300, size_pt=14, tracking_em=0.05)
    image = spec.image.copy()
    x0 = int(min(t.bbox[0] for t in spec.glyphs[:3]))  # under "Ham": shorter than a `large` component
    x1 = int(max(t.bbox[2] for t in spec.glyphs[:3]))
    y = int(max(t.bbox[3] for t in spec.glyphs[:7])) + 6  # below the g's descender
    image[y:y + 4, x0:x1] = 0
    layout = detect(Page(0, "u", 300, image))
    rules = [e for e in layout.elements if e.kind == "rule"]
    assert len(rules) == 1 and rules[0].bbox[0] <= x0 + 1 and rules[0].bbox[2] >= x1 - 1
    assert len(layout.glyphs) == len(spec.glyphs) == 14
    assert all(g.bbox[3] <= y for g in layout.glyphs)


def test_letters_standing_on_a_rule_or_against_a_frame_are_glyphs_and_the_rule_an_element():
    """A title on a long underline that its letters touch (Krause sheet 1), and a word whose letters touch a
    frame's border from below it (sheet 2's "Palmarum"): one ink component with the rule, they were set aside
    with it as an element. The rule's strokes are taken out (`detect.strip_rules`): the letters are glyphs,
    the rule a rule and the frame a frame, and the words beside them on their lines stay as they were."""
    serif = font_path("serif")
    title = render_specimen(serif, lines=["Hamburg Hamburg"], dpi=300, size_pt=14, tracking_em=0.05)
    word = render_specimen(serif, lines=["quijote office"], dpi=300, size_pt=14, tracking_em=0.05)
    top = np.full((260, word.image.shape[1]), 255, np.uint8)
    image, truth = stacked([title, SimpleNamespace(image=top, glyphs=[]), word], gap=0)
    image = image.copy()
    base = int(np.median([t.bbox[3] for t in title.glyphs if t.char in "Hambur"]))
    x0, x1 = int(title.glyphs[0].bbox[0]) - 20, int(title.glyphs[-1].bbox[2]) + 20
    # an underline that the first word's letters stand on, longer than any glyph; the second word stands clear
    image[base - 1:base + 5, x0:int(title.glyphs[6].bbox[2]) + 60] = 0
    word_top = title.image.shape[0] + 260 + int(min(t.bbox[1] for t in word.glyphs))
    frame = (x0, word_top - 240, x1, word_top + 1)  # a frame whose bottom border the word's letters touch
    cv2.rectangle(image, frame[:2], (frame[2], frame[3] - 3), 0, thickness=6)
    layout = detect(Page(0, "rules.png", 300, image))
    assert sorted(e.kind for e in layout.elements) == ["frame", "rule"], layout.elements
    m = match_boxes([g.bbox for g in layout.glyphs], [box for _, _, box in truth])
    assert len(m.pairs) >= len(truth) - 2, (len(m.pairs), len(truth))
    # without the stripping, the letters touching the rule and the frame went with them
    import glyphseg.detect as detect_mod
    original = detect_mod.strip_rules
    try:
        detect_mod.strip_rules = lambda *a, **k: None
        plain = detect_mod.detect(Page(0, "rules.png", 300, image))
    finally:
        detect_mod.strip_rules = original
    assert len(plain.glyphs) < len(truth) - 6, len(plain.glyphs)


def test_an_underline_under_touching_letters_leaves_the_word():
    """A word whose letters touch one another (kept as text: `detect.written_words`) and stand on an underline
    (Krause sheet 2's "Annahme"): the underline is taken out of the word's glyphs and listed as a rule, even
    when it is shorter than the `large` components that a rule is taken from otherwise."""
    spec = render_specimen(font_path("serif"), lines=["Hamburgefonstiv"], dpi=300, size_pt=14, tracking_em=-0.09)
    image = spec.image.copy()
    base = int(np.median([t.bbox[3] for t in spec.glyphs if t.char in "Hamburefonstiv"]))
    x0, x1 = int(spec.glyphs[0].bbox[0]), int(spec.glyphs[7].bbox[2])  # under "Hamburge" only
    image[base - 1:base + 5, x0:x1] = 0
    plain = glyphseg.detect.ink_map(Page(0, "w.png", 300, image))
    under = plain.components[base + 2, (x0 + x1) // 2]
    g0, g7 = (tuple(int(v) for v in spec.glyphs[k].bbox) for k in (0, 7))
    assert all((plain.components[b[1]:b[3] - 8, b[0]:b[2]] == under).any() for b in (g0, g7))  # one component
    layout = detect(Page(0, "w.png", 300, image))
    rules = [e for e in layout.elements if e.kind == "rule"]
    assert len(rules) == 1 and rules[0].bbox[0] <= x0 + 2 and rules[0].bbox[2] >= x1 - 2, layout.elements
    assert all(g.bbox[3] <= base + 2 for g in layout.glyphs), [g.bbox for g in layout.glyphs]


def test_a_short_line_joins_the_specimens_face_not_the_captions():
    """A line too short to measure (two long words, Krause sheet 2's "Mamertus … Remington") takes the face of
    the nearest measured line: never a running foot's, however close it stands, since the caption is the
    book's face and not the page's."""
    serif = font_path("serif")
    body = render_specimen(serif, DEFAULT_LINES[:3] + WORDS, size_pt=24, tracking_em=0)
    short = render_specimen(serif, ["Hm"], size_pt=24, tracking_em=0)
    foot = render_specimen(serif, ["Specimen of a serif, sheet 3, printed 1922"], size_pt=5, tracking_em=0)
    far = SimpleNamespace(image=np.full((500, 10), 255, np.uint8), glyphs=[])  # the short line far under the text
    image, truth = stacked([body, far, short, foot], gap=20)
    image = np.pad(image, ((0, 60), (0, 0)), constant_values=255)
    text = "".join(ch for _, ch, _ in truth)
    page = Page(0, "sheet.png", 600, image)
    found = glyphseg.faces.faces(label([detect(page)], [page], text), [page])
    short_top = body.image.shape[0] + 20 + 500 + 20
    short_faces = {g.face for g in found.glyphs if short_top - 10 <= g.bbox[1] < short_top + short.image.shape[0]}
    body_faces = {g.face for g in found.glyphs if g.bbox[3] < body.image.shape[0]}
    assert short_faces == body_faces == {0}, (short_faces, body_faces, found.found)


def test_a_drawing_in_a_frame_is_a_diagram_not_type():
    """A frame holding a drawing — shapes of letter size in a row, centred on one height but not sitting on a
    baseline, as the pen-angle diagrams of a lettering manual (Krause sheet 1) — lists it as one `diagram`
    element, out of the fonts; the words set under the frame stay type."""
    spec = render_specimen(font_path("serif"), ["", "", "", "Hamburgefonstiv", "Fig"], size_pt=14, tracking_em=0)
    image = spec.image.copy()
    th = spec.glyphs[0].matrix[0, 0] * 1000  # about a text height: half the em
    top = min(g.bbox[1] for g in spec.glyphs)
    x, base = int(2 * th), top - 4.7 * th  # the drawing's highest bottom
    for k in [3, 0, 5, 1, 6, 2, 4]:  # bottoms 0.45 text heights apart, centres half as far: one "line"
        step = 0.45 * k * th
        centre = base - 0.7 * th + 0.5 * step
        half_h, half_w = int(0.7 * th + 0.5 * step), int(0.4 * th)  # from base + step up to its mirror
        cv2.ellipse(image, (x + half_w, int(centre)), (half_w, half_h), 0, 0, 360, 0, thickness=-1)
        x += 2 * half_w + int(0.6 * th)
    frame_top, frame_bottom = int(base - 2.2 * th), int(base + 2.7 * th + 0.6 * th)
    cv2.rectangle(image, (int(th), frame_top), (x + int(th), frame_bottom), 0, thickness=8)
    # Detection sets the drawing aside, before a transcript is aligned: on Krause sheet 1 the alignment gave the
    # title's letters to the diagrams' pieces, which look like letters (those the manual draws stroke by stroke)
    page = Page(0, "diagram.png", 600, image)
    layout = detect(page)
    assert [e.kind for e in layout.elements if e.kind == "diagram"] == ["diagram"], layout.elements
    assert all(g.bbox[1] > frame_bottom for g in layout.glyphs)
    for text in (None, spec.text):
        ex = extract([], ExtractOptions(text=text), pages=[page])
        assert sorted(e.kind for e in ex.elements) == ["diagram", "frame"], (text, ex.elements)
        assert len(ex.glyphs) == len(spec.glyphs)
        assert all(g.bbox[1] > frame_bottom for g in ex.glyphs)
        if text:
            assert "".join(g.char or "?" for g in ex.glyphs) == spec.text


def test_a_vignette_on_a_line_of_its_own_is_an_ornament_with_the_text_or_without():
    """A vignette a little taller than the letters, alone on its line: detection keeps it as a glyph (it is not
    too large for one); the transcript has no character for it, and without a transcript recognition, which
    reads the page's letters, names it as none, so it is an ornament, listed and left out of the font."""
    spec = render_specimen(font_path("serif"), DEFAULT_LINES[:3], size_pt=14, tracking_em=0)
    pad = 300
    image = np.pad(spec.image, ((0, pad), (0, 0)), constant_values=255)
    h, w = image.shape
    centre = (w // 2, h - 150)
    cv2.ellipse(image, centre, (80, 55), 0, 0, 360, 0, thickness=10)  # a small ring with a lozenge in it
    cv2.fillPoly(image, [np.array([[centre[0], centre[1] - 30], [centre[0] + 20, centre[1]],
                                   [centre[0], centre[1] + 30], [centre[0] - 20, centre[1]]])], 0)
    page = Page(0, "vignette.png", 600, image)
    layout = detect(page)
    assert any(g.bbox[1] > h - 240 for g in layout.glyphs)  # detection took it for a glyph
    for text in (spec.text, None):
        ex = extract([], ExtractOptions(text=text), pages=[page])
        assert [e.kind for e in ex.elements] == ["ornament"], (text, ex.elements)
        assert all(g.bbox[3] < h - 240 for g in ex.glyphs)
        assert len(ex.glyphs) >= len(spec.glyphs) - 1  # the letters stay type


def test_an_unnamed_glyph_on_a_page_recognition_cannot_read_stays_type():
    """Without a transcript, an unnamed glyph alone on its line is an ornament only where recognition names
    most of the page's other glyphs: on a blackletter sheet it names few (Krause: 26-46 %), and a sample word
    cut as one glyph is unnamed too."""
    def page(named: int, unnamed: int):
        others = [Glyph(id=f"g{k}", page=0, bbox=(0, 0, 1, 1), components=(), line=0, char="a" if k < named else None)
                  for k in range(named + unnamed)]
        return SimpleNamespace(glyphs=others + [Glyph(id="w", page=0, bbox=(0, 0, 1, 1), components=(), line=9)])

    reads = glyphseg.faces._reads_other_lines
    assert reads(page(9, 1), 9, transcribed=False)
    assert not reads(page(3, 7), 9, transcribed=False)
    assert reads(page(3, 7), 9, transcribed=True)  # the alignment labels what the transcript holds
    assert not reads(page(0, 0), 9, transcribed=True)


def hatched_first_letter(spec, period_em: float):
    """The page with its first letter hatched (diagonal stripes of `period_em`, half ink), as a decorated
    initial of a specimen sheet (Krause 1922 sheet 3's W); returns (image, that letter's true box)."""
    image = spec.image.copy()
    first = min((g for g in spec.glyphs if g.line == 0), key=lambda g: g.bbox[0])
    x0, y0, x1, y1 = (int(round(v)) for v in first.bbox)
    period = max(4, int(round(period_em * spec.size_pt / 72 * spec.dpi)))
    yy, xx = np.mgrid[y0:y1, x0:x1]
    letter = image[y0:y1, x0:x1]
    letter[((xx + yy) % period < period // 2) & (letter < 128)] = 255
    return image, first.bbox


@pytest.mark.parametrize("period_em, with_text", [(0.14, True), (0.14, False), (0.2, True)])
def test_a_hatched_initial_is_an_element_not_a_glyph(period_em, with_text):
    """A hatched initial as tall as its line's letters: its stripes are many pieces of ink where the line's
    letters are one to three. It is listed as an initial and none of its stripes is left as a glyph; the same
    line printed solid has no initial. (Without a transcript, finer or coarser stripes than these scatter over
    lines of their own, and part of the initial stays type.)"""
    lines = ["Wir würden weit mehr gewinnen", "uns zeigten wie wir sind"]
    spec = render_specimen(font_path("fraktur"), lines, size_pt=14, tracking_em=0)
    image, box = hatched_first_letter(spec, period_em)
    text = spec.text if with_text else None
    ex = extract([], ExtractOptions(text=text), pages=[Page(0, "initial.png", spec.dpi, image)])
    initials = [e for e in ex.elements if e.kind == "initial"]
    assert len(initials) == 1, ex.elements
    assert box_iou(initials[0].bbox, box) > 0.8
    inside = [g.bbox for g in ex.glyphs if box[0] <= (g.bbox[0] + g.bbox[2]) / 2 <= box[2]
              and box[1] <= (g.bbox[1] + g.bbox[3]) / 2 <= box[3]]
    assert not inside
    solid = extract([], ExtractOptions(text=text), pages=[Page(0, "solid.png", spec.dpi, spec.image)])
    assert not [e for e in solid.elements if e.kind == "initial"]


def test_an_initial_kept_as_its_own_glyph_on_request(tmp_path):
    """--initials glyph: the hatched initial is still listed as an element, and is also one glyph of the font,
    named W.initial with no Unicode (a later plain W would be W); the font compiles."""
    from ufo2ft import compileOTF

    spec = render_specimen(font_path("fraktur"), ["Wir würden weit mehr gewinnen", "uns zeigten wie wir sind"],
                           size_pt=14, tracking_em=0)
    image, box = hatched_first_letter(spec, 0.14)
    page = Page(0, "initial.png", spec.dpi, image)
    ex = extract([], ExtractOptions(text=spec.text, initials="glyph"), pages=[page])
    assert [e.kind for e in ex.elements] == ["initial"]
    kept = [g for g in ex.glyphs if g.initial]
    assert [(g.char, g.name) for g in kept] == [("W", "W.initial")]
    assert box_iou(kept[0].bbox, box) > 0.8
    write_extraction(ex, str(tmp_path / "out"))
    font = ufoLib2.Font.open(str(tmp_path / "out" / "Specimen-Regular.ufo"))
    assert "W.initial" in font and font["W.initial"].unicodes == [] and len(font["W.initial"].contours) > 3
    assert "W" not in font
    compileOTF(font)
    manifest = json.loads((tmp_path / "out" / "glyphs.json").read_text())
    assert [g["name"] for g in manifest["glyphs"] if g["char"] == "W"] == ["W.initial"]


def test_cli_faces_and_family(two_faces, tmp_path):
    image, _, text = two_faces
    png = tmp_path / "page.png"
    cv2.imwrite(str(png), image)
    out = tmp_path / "main"
    run = [sys.executable, "-m", "glyphseg.cli", "extract", str(png), "-q", "--dpi", "600", "--text", text]
    done = subprocess.run(run + ["-o", str(out), "--faces", "main", "--family", "Serif Proof"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "glyphs.json").read_text())
    assert len(manifest["faces"]) == 1 and manifest["ufo"] == "SerifProof-Regular.ufo"
    assert sorted(p.name for p in out.glob("*.ufo")) == ["SerifProof-Regular.ufo"]
    named = tmp_path / "named"
    done = subprocess.run(run + ["-o", str(named), "--family", "Serif Proof", "--family", "Sans Caption"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in named.glob("*.ufo")) == ["SansCaption-Regular.ufo", "SerifProof-Regular.ufo"]
    bad = subprocess.run(run + ["-o", str(tmp_path / "bad"), "--faces", "3"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--faces" in bad.stderr
    assert not (tmp_path / "bad").exists()
    worse = subprocess.run(run + ["-o", str(tmp_path / "worse"), "--faces", "x"], capture_output=True, text=True)
    assert worse.returncode == 2 and "--faces" in worse.stderr


def test_lines_with_unsure_labels_do_not_split_a_face_by_shape():
    """Where labels are unsure or out of step, the letters called alike are often different letters: their
    shapes must not part one face. Here one font's lines get labels that are half missing and the rest shuffled
    between glyphs: the "same" letter printed twice on a line differs as much as the lines do, and that print
    noise is the unit shapes are measured in (`faces.shape_scales`)."""
    from dataclasses import replace

    from glyphseg.faces import faces

    spec = render_specimen(font_path("serif"), WORDS * 3, size_pt=14, tracking_em=0)
    page = Page(0, "one-face.png", 600, spec.image)
    lab = label([detect(page)], [page], spec.text)
    rng = np.random.default_rng(1)
    chars = [g.char for g in lab.glyphs]
    rng.shuffle(chars)
    garbled = [replace(g, char=c if k % 2 else None, score=0.9 if k % 2 else 0.0)
               for k, (g, c) in enumerate(zip(lab.glyphs, chars))]
    by_id = {g.id: g for g in garbled}
    layouts = [replace(lay, glyphs=[by_id[g.id] for g in lay.glyphs]) for lay in lab.layouts]
    found = faces(replace(lab, layouts=layouts, glyphs=garbled), [page], labels_from_text=True).found
    assert len(found) == 1, [f.glyphs for f in found]


def test_tight_words_of_one_font_stay_one_face():
    """At −0.05 em tracking ff, fi and fj touch and are cut apart: the cut prints differ from line to line with
    their neighbours, not with the face, and must not part one font's lines (they did: DejaVu Sans, 2 faces)."""
    from glyphseg.faces import faces

    words = ["Hamburgefonstiv quijote", "affiliate office waffle", "jinx fjord hijinks", "Wave AVOW Tuxedo Lynx",
             "modern burn; yes: fix", "Quality Typography"]
    spec = render_specimen(font_path("grotesque"), words, size_pt=14, tracking_em=-0.05)
    page = Page(0, "tight.png", 600, spec.image)
    found = faces(label([detect(page)], [page], spec.text), [page], labels_from_text=True).found
    assert len(found) == 1, [f.lines for f in found]


def test_docstring_examples():
    for module in (glyphseg.faces, glyphseg.detect, glyphseg.label, glyphseg.geometry):
        result = doctest.testmod(module)
        assert result.failed == 0
