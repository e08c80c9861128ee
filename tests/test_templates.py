"""Templates: recognition without a transcript on fonts that are not template sources, and refinement."""
import numpy as np
import pytest

from glyphseg.detect import detect
from glyphseg.label import label
from glyphseg.pipeline import ExtractOptions, extract
from glyphseg.score import match_boxes
from glyphseg.specimen import degrade, render_specimen
from glyphseg.templates import library, normalise_raster, topology
from glyphseg.types import Page

from conftest import font_path


def test_template_sources_are_not_test_fonts():
    sources = " ".join(library().sources).lower()
    for name in ("dejavu", "liberation", "roboto", "oldstandard", "blankenburg", "jessen", "gotico", "hamlet"):
        assert name not in sources


@pytest.mark.parametrize("kind", ["serif", "script"])
def test_roman_and_script_pages_are_read_with_roman_templates_alone(kind):
    """A page that fits roman type's templates better than the blackletter ones (roman type, a script) is read as
    if there were no blackletter templates: with a transcript and without, the same glyphs and labels."""
    spec = render_specimen(font_path(kind), lines=["Hamburgefonstiv", "quijote jinx"], tracking_em=-0.02)
    page = Page(0, "t", 600, spec.image)
    for text in (spec.text, None):
        read = [[(g.bbox, g.char) for g in label([detect(page)], [page], text, library=lib).glyphs]
                for lib in (library(blackletter=False), library())]
        assert read[0] == read[1]


def test_blackletter_templates_read_blackletter():
    """A blackletter alphabet that is no template source (a modern Fraktur) is read without a transcript by more
    of its glyphs with the blackletter templates than with roman type's alone."""
    spec = render_specimen(font_path("fraktur"))
    page = Page(0, "t", 600, spec.image)
    right = []
    for lib in (library(blackletter=False), library()):
        lab = label([detect(page)], [page], None, library=lib)
        m = match_boxes([g.bbox for g in lab.glyphs], [t.bbox for t in spec.glyphs])
        right.append(sum(lab.glyphs[i].char == spec.glyphs[j].char for i, j in m.pairs))
    assert right[1] >= right[0] + 0.05 * len(spec.glyphs), right


@pytest.mark.parametrize("kind,level,minimum", [("serif", "clean", 0.95), ("mono", "mild", 0.9)])
def test_recognition_without_text(kind, level, minimum):
    spec = degrade(render_specimen(font_path(kind)), level, seed=11)
    ex = extract([], ExtractOptions(), pages=[Page(0, "t", 600, spec.image)])
    m = match_boxes([g.bbox for g in ex.glyphs], [t.bbox for t in spec.glyphs])
    correct = sum(ex.glyphs[i].char == spec.glyphs[j].char for i, j in m.pairs)
    assert correct / len(spec.glyphs) >= minimum
    # confident answers are mostly right, unsure ones are flagged by a lower score
    right = [ex.glyphs[i].score for i, j in m.pairs if ex.glyphs[i].char == spec.glyphs[j].char]
    assert np.median(right) > 0.5


def test_context_tells_o_from_O_and_comma_from_quote():
    spec = render_specimen(font_path("sans"), lines=["oOxX", "a,b'c"])
    ex = extract([], ExtractOptions(), pages=[Page(0, "t", 600, spec.image)])
    assert "".join(g.char for g in ex.glyphs) == "oOxXa,b'c"


def test_topology_of_templates():
    assert library().topologies_of("B") == {(1, 2)}
    assert (2, 0) in library().topologies_of("i")
    ring = np.zeros((20, 20), bool)
    ring[2:18, 2:18] = True
    ring[6:14, 6:14] = False
    assert topology(ring) == (1, 1)
    assert normalise_raster(ring.astype(float)).shape == (32, 32)


def _extract_one(image, text):
    return extract([], ExtractOptions(text=text), pages=[Page(0, "t", 600, image)])


def test_refinement_fills_pinholes_and_leaves_counters():
    spec = render_specimen(font_path("serif"), lines=["HoB"])
    img = spec.image.copy()
    h_box = [int(round(v)) for v in spec.glyphs[0].bbox]
    # a pinhole of missing ink in the middle of the H's left stem (a quarter of the way up)
    cy = h_box[3] - (h_box[3] - h_box[1]) // 4
    row = np.nonzero(img[cy, h_box[0]:h_box[2]] < 128)[0]
    run_end = row[np.nonzero(np.diff(row) > 1)[0][0]] if np.any(np.diff(row) > 1) else row[-1]
    cx = h_box[0] + (row[0] + run_end) // 2
    img[cy - 1:cy + 2, cx - 1:cx + 2] = 255
    ex = _extract_one(img, "HoB")
    H, o, B = ex.glyphs
    assert H.refined and H.topology_ok
    assert topology(ex.masks[H.id].soft >= 0.5) == (1, 0)
    assert not o.refined and o.topology_ok and topology(ex.masks[o.id].soft >= 0.5) == (1, 1)
    assert not B.refined and B.topology_ok
    plain = extract([], ExtractOptions(text="HoB", refine=False), pages=[Page(0, "t", 600, img)])
    assert topology(plain.masks[plain.glyphs[0].id].soft >= 0.5) == (1, 1)
    assert plain.glyphs[0].topology_ok is None


def test_refinement_reattaches_a_lost_dot():
    spec = render_specimen(font_path("sans"), lines=["ni"])
    img = spec.image.copy()
    i_box = [int(round(v)) for v in spec.glyphs[1].bbox]
    # thin the dot of the i until detection calls it a speck: keep only its centre 3 × 3
    top = img[i_box[1]:i_box[1] + 20, i_box[0]:i_box[2]]
    ys, xs = np.nonzero(top < 128)
    cy, cx = int(ys.mean()), int(xs.mean())
    top[:] = 255
    top[cy - 1:cy + 2, cx - 1:cx + 2] = 0
    ex = _extract_one(img, "ni")
    i = ex.glyphs[1]
    assert i.char == "i" and i.refined and i.topology_ok
    assert topology(ex.masks[i.id].soft >= 0.5) == (2, 0)
