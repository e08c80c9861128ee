"""End-to-end accuracy of the extraction spine on specimens rendered from open fonts.

Ground truth is exact: every glyph's font outline and the affine map that placed it on the page. The
answer is read back through the public output contract (glyphs.json + UFO), so the manifest's mapping
(origin, units_per_px, angle) is what is tested.
"""
import json

import numpy as np
import pytest
import ufoLib2
from fontTools.ttLib import TTFont

from glyphseg.export import write_extraction
from glyphseg.geometry import drawing_to_shape, iou
from glyphseg.pipeline import ExtractOptions, extract
from glyphseg.score import match_boxes
from glyphseg.specimen import degrade, render_specimen
from glyphseg.types import Glyph, Page

from conftest import font_path

CASES = [(kind, level) for kind in ("serif", "sans", "slab", "contrast", "mono") for level in ("clean", "mild")]


def manifest_mapper(entry):
    """UFO point → page pixel, from a manifest entry alone."""
    g = Glyph(id=entry["id"], page=entry["page"], bbox=tuple(entry["bbox"]), components=(),
              origin=tuple(entry["origin"]), units_per_px=entry["units_per_px"], angle=entry["angle"])
    return g.units_to_page


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    cache = {}

    def run(kind, level):
        if (kind, level) not in cache:
            path = font_path(kind)
            spec = degrade(render_specimen(path), level, seed=7)
            ex = extract([], ExtractOptions(text=spec.text), pages=[Page(0, f"{kind}-{level}.png", 600, spec.image)])
            out = tmp_path_factory.mktemp(f"{kind}-{level}") / "out"
            write_extraction(ex, str(out))
            with open(out / "glyphs.json", encoding="utf-8") as fh:
                manifest = json.load(fh)
            ufo = ufoLib2.Font.open(out / manifest["ufo"])
            cache[kind, level] = (spec, manifest, ufo, TTFont(path).getGlyphSet())
        return cache[kind, level]

    return run


@pytest.mark.parametrize("kind,level", CASES)
def test_detection_labels_and_outlines(results, kind, level):
    spec, manifest, ufo, truth_glyphs = results(kind, level)
    entries = manifest["glyphs"]
    matching = match_boxes([e["bbox"] for e in entries], [t.bbox for t in spec.glyphs])
    assert matching.f1 >= 0.99, (kind, level, matching.f1)

    correct = sum(entries[i]["char"] == spec.glyphs[j].char for i, j in matching.pairs)
    assert correct / len(spec.glyphs) >= 0.99

    ious = []
    for i, j in matching.pairs:
        entry, true = entries[i], spec.glyphs[j]
        # curves flattened finely (as the benchmark does): long curves lose area to coarse chords
        answer = drawing_to_shape(ufo[entry["name"]], manifest_mapper(entry), steps=32)
        target = drawing_to_shape(truth_glyphs[true.glyph_name], true.font_to_page, glyph_set=truth_glyphs,
                                  steps=32)
        ious.append(iou(answer, target))
    assert np.mean(ious) >= 0.97, (kind, level, np.mean(ious))
    assert min(ious) >= 0.9, (kind, level, min(ious))


@pytest.mark.parametrize("kind", ["serif", "contrast"])
def test_ufo_compiles(results, kind):
    from ufo2ft import compileOTF, compileTTF

    _, manifest, ufo, _ = results(kind, "mild")
    otf = compileOTF(ufo)
    ttf = compileTTF(ufo)
    assert len(otf.getGlyphOrder()) == len(ufo) + (0 if ".notdef" in ufo else 1)
    assert "glyf" in ttf and "CFF " in otf
    cmap = otf.getBestCmap()
    assert cmap[ord("A")] == "A" and cmap[ord("ä")] == "adieresis"


def test_font_metrics_are_plausible(results):
    from fontTools.pens.boundsPen import BoundsPen

    spec, manifest, ufo, glyph_set = results("serif", "clean")
    font = manifest["font"]
    upem = TTFont(font_path("serif"))["head"].unitsPerEm

    def top(name):
        pen = BoundsPen(glyph_set)
        glyph_set[name].draw(pen)
        return pen.bounds[3] / upem * 1000

    cap, xh = top("H"), top("x")
    # the body is estimated from the ink, so its scale may be off by a few percent; ratios must hold
    assert abs(font["capHeight"] / font["xHeight"] - cap / xh) < 0.04
    assert 0.9 < font["capHeight"] / cap < 1.1
    assert font["descender"] < 0 < font["xHeight"] < font["capHeight"] <= font["ascender"]
    assert ufo.info.unitsPerEm == 1000 and ufo.info.capHeight == font["capHeight"]


def test_rotation_is_measured(results):
    spec, manifest, _, _ = results("sans", "mild")
    m = spec.glyphs[0].matrix
    true_angle = np.degrees(np.arctan2(-m[1, 0], m[0, 0]))
    angles = {round(e["angle"], 6) for e in manifest["glyphs"]}
    assert len(angles) == 1
    assert abs(angles.pop() - true_angle) < 0.05


def test_pdf_specimen_maps_exactly(tmp_path):
    """A vector PDF rasterized by pypdfium2: outlines land on the true glyphs (no drift across the page)."""
    from glyphseg.specimen import DEFAULT_LINES, write_pdf

    path = font_path("serif")
    pdf = tmp_path / "spec.pdf"
    truth = write_pdf(path, str(pdf), DEFAULT_LINES, size_pt=14, title="a caption that is not in the text")
    text = "".join(t.char for t in truth)
    ex = extract([str(pdf)], ExtractOptions(text=text, dpi=600))
    labelled = [g for g in ex.glyphs if g.char]
    assert "".join(g.char for g in labelled) == text
    glyph_set = TTFont(path).getGlyphSet()
    k = 600 / 72  # truth is in PDF points
    ious = []
    for g, t in zip(labelled, truth):
        m = t.matrix * k
        target = drawing_to_shape(glyph_set[t.glyph_name], lambda x, y, m=m: (m[0, 0] * x + m[0, 2], m[1, 1] * y + m[1, 2]),
                                  glyph_set=glyph_set)
        ious.append(iou(drawing_to_shape(ex.outlines[g.id], g.units_to_page), target))
    assert np.mean(ious) >= 0.97 and min(ious) >= 0.93


def test_a_backends_notes_and_timings_reach_the_manifest(tmp_path):
    """What a segmentation backend has to say (a SAM2 fallback, seconds encoding) is not dropped: it reaches
    the Extraction, the manifest and the user. The stages also leave their inputs as they were."""
    from glyphseg.detect import detect
    from glyphseg.export import export
    from glyphseg.label import label
    from glyphseg.segment import ThresholdSegmenter

    class Talkative(ThresholdSegmenter):
        def segment_page(self, page, ink, glyphs, progress=None):
            self.notes.append(f"{glyphs[0].id}: fell back to its own ink")
            self.timings["encode_s"] = self.timings.get("encode_s", 0.0) + 0.25
            return super().segment_page(page, ink, glyphs, progress)

    spec = render_specimen(font_path("sans"), lines=["Hamburg"], dpi=300)
    page = Page(0, "hamburg.png", 300, spec.image)
    ex = extract([], ExtractOptions(text="Hamburg"), pages=[page], segmenter=Talkative())
    assert ex.notes == ["p1-0001: fell back to its own ink"]
    assert ex.timings["threshold_encode_s"] == 0.25 and ex.timings["segmenter"] == "threshold"
    manifest = json.loads(open(export(ex, str(tmp_path / "out"), report=False) + "/glyphs.json").read())
    assert manifest["notes"] == ex.notes and manifest["timings"]["threshold_encode_s"] == 0.25

    layout = detect(page)
    before = [(g.char, g.name, g.bbox) for g in layout.glyphs]
    labelling = label([layout], [page], "Hamburg")
    assert [g.char for g in labelling.glyphs] == list("Hamburg")
    assert [(g.char, g.name, g.bbox) for g in layout.glyphs] == before  # a new record, the input untouched
