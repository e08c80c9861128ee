"""The command line on the bundled PDF specimen, and every bad input ending in one clear line."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import ufoLib2
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO_TEXT = os.path.join(HERE, "..", "specimens", "dejavu-serif-specimen.txt")


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "glyphseg.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory, demo_pdf):
    out = tmp_path_factory.mktemp("demo") / "out"
    r = run_cli("extract", demo_pdf, "-o", str(out), "--text-file", DEMO_TEXT, "--segmenter", "threshold",
                "--family", "Demo Serif", "--dpi", "400", "-q")
    assert r.returncode == 0, r.stderr
    return out


def test_output_contract(demo_out):
    with open(demo_out / "glyphs.json", encoding="utf-8") as fh:
        m = json.load(fh)
    assert m["version"] == 1
    assert m["ufo"] == "DemoSerif-Regular.ufo"
    page = m["pages"][0]
    assert page["dpi"] == 400 and page["source"] == "dejavu-serif-specimen.pdf"
    text = "".join(open(DEMO_TEXT, encoding="utf-8").read().split())
    labelled = [g for g in m["glyphs"] if g["char"]]
    assert "".join(g["char"] for g in labelled) == text  # reading order, every character found once
    # the small caption above the alphabet matched nothing: kept in the manifest, out of the font
    assert all(g["name"] is None for g in m["glyphs"] if g["char"] is None)
    for key in ("id", "page", "line", "bbox", "char", "name", "score", "origin", "units_per_px", "angle", "advance"):
        assert key in labelled[0]
    ufo = ufoLib2.Font.open(demo_out / m["ufo"])
    assert ufo.info.familyName == "Demo Serif" and ufo.info.unitsPerEm == 1000
    assert ufo["A"].unicodes == [0x41] and ufo["adieresis"].unicodes == [0xE4]
    assert ufo["A"].width == next(g["advance"] for g in m["glyphs"] if g["name"] == "A")
    # outer contours counter-clockwise (PostScript direction): the UFO's area is positive
    from fontTools.pens.areaPen import AreaPen

    pen = AreaPen(ufo)
    ufo["o"].draw(pen)
    assert pen.value > 0
    svgs = sorted(os.listdir(demo_out / "svg"))
    assert "A.svg" in svgs and len(svgs) == len(text)
    svg = (demo_out / "svg" / "A.svg").read_text()
    assert svg.startswith("<svg") and 'viewBox="0 0 ' in svg and " d=\"M" in svg
    mask = np.asarray(Image.open(demo_out / "masks" / "page-001.png"))
    assert mask.shape == (page["height"], page["width"]) and set(np.unique(mask)) <= {0, 255}
    # every glyph's box is inked in the mask
    for g in labelled:
        x0, y0, x1, y1 = g["bbox"]
        assert mask[y0:y1, x0:x1].max() == 255
    assert (demo_out / "report.html").exists()
    assert not [p for p in os.listdir(demo_out.parent) if p.startswith(".glyphseg-")]


def test_manifest_maps_outlines_onto_the_page(demo_out):
    """The UFO outline, mapped through the manifest, covers the page mask's ink of the same glyph."""
    from glyphseg.geometry import drawing_to_shape

    with open(demo_out / "glyphs.json", encoding="utf-8") as fh:
        m = json.load(fh)
    ufo = ufoLib2.Font.open(demo_out / m["ufo"])
    mask = np.asarray(Image.open(demo_out / "masks" / "page-001.png")) > 0
    g = next(g for g in m["glyphs"] if g["name"] == "H")
    ox, oy = g["origin"]
    upp = g["units_per_px"]
    a = np.radians(g["angle"])

    def to_page(xu, yu):
        return (ox + (xu * np.cos(a) - yu * np.sin(a)) / upp, oy - (xu * np.sin(a) + yu * np.cos(a)) / upp)

    shape = drawing_to_shape(ufo["H"], to_page)
    x0, y0, x1, y1 = g["bbox"]
    ink = mask[y0:y1, x0:x1].sum()
    assert abs(shape.area - ink) / ink < 0.05
    bx0, by0, bx1, by1 = shape.bounds
    assert abs(bx0 - x0) < 1 and abs(by0 - y0) < 1 and abs(bx1 - x1) < 1 and abs(by1 - y1) < 1


def test_without_text_or_recognition_names_every_glyph(tmp_path, demo_pdf):
    out = tmp_path / "out"
    r = run_cli("extract", demo_pdf, "-o", str(out), "--segmenter", "threshold", "--dpi", "300", "--no-recognise",
                "-q")
    assert r.returncode == 0, r.stderr
    m = json.loads((out / "glyphs.json").read_text())
    assert all(g["char"] is None and g["score"] == 0 for g in m["glyphs"])
    names = [g["name"] for g in m["glyphs"]]
    assert names[:2] == ["glyph0001", "glyph0002"] and len(set(names)) == len(names)


def test_without_text_glyphs_are_recognised(tmp_path, demo_pdf):
    out = tmp_path / "out"
    r = run_cli("extract", demo_pdf, "-o", str(out), "--segmenter", "threshold", "--dpi", "400", "-q")
    assert r.returncode == 0, r.stderr
    m = json.loads((out / "glyphs.json").read_text())
    text = "".join(open(DEMO_TEXT, encoding="utf-8").read().split())
    # the alphabet is the last len(text) glyphs in reading order (the caption comes first)
    found = [g["char"] for g in m["glyphs"][-len(text):]]  # None: recognition was unsure, left unlabelled
    assert sum(a == b for a, b in zip(found, text)) / len(text) >= 0.95
    assert sum(a is not None and a != b for a, b in zip(found, text)) <= 1  # few wrong labels
    assert all(0 <= g["score"] <= 1 for g in m["glyphs"])
    assert all(g["score"] == 0 for g in m["glyphs"] if g["char"] is None)  # unlabelled: score 0, as with --text


def test_image_input_keeps_its_dpi(tmp_path):
    from glyphseg.specimen import render_specimen, save_png
    from conftest import font_path

    spec = render_specimen(font_path("sans"), lines=["Hamburg"], dpi=300)
    png = tmp_path / "scan.png"
    save_png(spec, str(png))
    out = tmp_path / "out"
    r = run_cli("extract", str(png), "-o", str(out), "--text", "Hamburg", "--segmenter", "threshold", "-q")
    assert r.returncode == 0, r.stderr
    m = json.loads((out / "glyphs.json").read_text())
    assert m["pages"][0]["dpi"] == 300
    assert "".join(g["char"] for g in m["glyphs"]) == "Hamburg"


def one_line_error(r):
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("glyphseg: error: ")
    return lines[0]


def test_missing_file(tmp_path):
    msg = one_line_error(run_cli("extract", str(tmp_path / "nope.pdf"), "-o", str(tmp_path / "out")))
    assert "no such file" in msg
    assert not (tmp_path / "out").exists()


def test_unreadable_pdf(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    msg = one_line_error(run_cli("extract", str(bad), "-o", str(tmp_path / "out")))
    assert "not a readable PDF" in msg
    assert not (tmp_path / "out").exists()
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".glyphseg-")]


def test_not_an_image(tmp_path):
    bad = tmp_path / "scan.png"
    bad.write_text("hello")
    msg = one_line_error(run_cli("extract", str(bad), "-o", str(tmp_path / "out")))
    assert "not a readable image" in msg


def test_existing_output_is_refused_then_forced(tmp_path, demo_pdf):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    msg = one_line_error(run_cli("extract", demo_pdf, "-o", str(out), "--segmenter", "threshold", "--dpi", "200"))
    assert "already exists" in msg and (out / "keep.txt").exists()
    # --force replaces only a folder glyphseg wrote: this one holds a user's file, so it is refused and kept
    msg = one_line_error(run_cli("extract", demo_pdf, "-o", str(out), "--segmenter", "threshold", "--dpi", "200",
                                 "--force", "-q"))
    assert "not a folder glyphseg wrote" in msg and (out / "keep.txt").read_text() == "mine"


def test_bad_page_selection(tmp_path, demo_pdf):
    msg = one_line_error(run_cli("extract", demo_pdf, "-o", str(tmp_path / "o"), "--pages", "3"))
    assert "no page 3" in msg
    msg = one_line_error(run_cli("extract", demo_pdf, "-o", str(tmp_path / "o"), "--pages", "x-y"))
    assert "--pages" in msg


def test_bad_tolerance(tmp_path, demo_pdf):
    for bad in ("-1", "0", "500"):
        msg = one_line_error(run_cli("extract", demo_pdf, "-o", str(tmp_path / "o"), "--tolerance", bad))
        assert "--tolerance" in msg
        assert not (tmp_path / "o").exists()


def test_blank_text(tmp_path, demo_pdf):
    empty = tmp_path / "empty.txt"
    empty.write_text(" \n\n", encoding="utf-8")
    for args in (["--text", "   "], ["--text-file", str(empty)]):
        msg = one_line_error(run_cli("extract", demo_pdf, "-o", str(tmp_path / "o"), *args))
        assert "only whitespace" in msg
        assert not (tmp_path / "o").exists()


def test_blank_page(tmp_path):
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((300, 400), 250, np.uint8)).save(blank)
    msg = one_line_error(run_cli("extract", str(blank), "-o", str(tmp_path / "o")))
    assert "no glyphs found" in msg
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("args, says", [
    (["extract", "x.pdf"], "--output"),  # -o missing
    (["extract", "x.pdf", "-o", "o", "--bogus"], "--bogus"),
    (["extract", "x.pdf", "-o", "o", "--device", "tpu"], "--device tpu"),
    (["extract", "x.pdf", "-o", "o", "--dtype", "fp99"], "--dtype"),
])
def test_usage_mistakes_are_one_line(tmp_path, args, says):
    """Click's own usage errors (a missing option, a typo) end like every other bad input: one line, exit 2."""
    msg = one_line_error(run_cli(*args))
    assert says in msg


def test_model_info_reports_without_failing():
    r = run_cli("model", "info")
    out = r.stdout + r.stderr
    assert r.returncode == 0 and ("model:" in out or "not installed" in out), out
