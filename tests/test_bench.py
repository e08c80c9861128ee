"""The benchmark's scorer is right: the ground truth scores perfectly, a spoiled answer scores worse.

The answers are written through glyphseg's own exporter and read back through the output contract,
exactly as the benchmark reads glyphseg's (benchmarks/oracle.py builds them from the truth).
"""
import json
import os
import shutil
import sys

import numpy as np
import pytest
from shapely.geometry import Point, Polygon

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # benchmarks/ is not installed

from benchmarks import fonts as bench_fonts  # noqa: E402
from benchmarks.oracle import write_truth_answer  # noqa: E402
from benchmarks.real import read_page_glyphs  # noqa: E402
from benchmarks.scoring import Contract, TruthPage, detection_score, score_contract  # noqa: E402
from glyphseg.geometry import Boundary  # noqa: E402
from glyphseg.specimen import degrade, render_specimen  # noqa: E402

SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
LINES = ["ABCOQ", "abgoä", "0&?;"]


@pytest.fixture(scope="module")
def pages():
    if not os.path.exists(SERIF):
        raise RuntimeError("fonts-dejavu-core is not installed (setup.sh installs it)")
    clean = render_specimen(SERIF, LINES)
    return {"clean": clean, "mild": degrade(clean, "mild", seed=5)}


@pytest.fixture(scope="module")
def truths(pages):
    return {k: TruthPage(v) for k, v in pages.items()}


def score(tmp_path, spec, truth, name, **spoil):
    out = tmp_path / name
    write_truth_answer(spec, str(out), **spoil)
    return score_contract(Contract.read(str(out)), truth)


@pytest.mark.parametrize("level", ["clean", "mild"])
def test_the_truth_scores_perfectly(tmp_path, pages, truths, level):
    s = score(tmp_path, pages[level], truths[level], "truth")
    d, o = s["detection"], s["outlines"]
    assert d["f1"] == 1.0 and d["label_acc"] == 1.0
    assert o["missing"] == 0 and o["glyphs"] == len(pages[level].glyphs)
    assert o["iou_mean"] > 0.99 and o["iou_min"] > 0.99
    # only the UFO's integer coordinates (1000 units per em) separate the answer from the font
    assert o["dist_mean"] < 0.3 and o["dist_p95"] < 0.6
    assert o["points_ratio"] == 1.0
    assert s["mask"]["fm"] == 1.0
    assert s["ufo_compiles"] is True


def test_the_oracle_glyph_frame_is_the_true_placement(pages):
    """The manifest's glyph frame (Glyph.units_to_page_transform) that the oracle writes reproduces the matrix
    that placed each true glyph, the UFO's 1000-unit em scaled back to the font's own."""
    from fontTools.ttLib import TTFont

    from benchmarks.oracle import truth_extraction

    spec = pages["mild"]
    k = 1000.0 / TTFont(spec.font_path)["head"].unitsPerEm
    ex = truth_extraction(spec)
    for g, tg in zip(ex.glyphs, spec.glyphs):
        m = tg.matrix
        t = g.units_to_page_transform().scale(k)
        assert np.allclose(tuple(t), (m[0, 0], m[1, 0], m[0, 1], m[1, 1], m[0, 2], m[1, 2]), rtol=0, atol=1e-9)


def test_a_shifted_answer_scores_worse(tmp_path, pages, truths):
    spec, truth = pages["clean"], truths["clean"]
    small = score(tmp_path, spec, truth, "shift2", shift=(2.0, 1.0))
    assert small["detection"]["f1"] == 1.0  # boxes still overlap
    assert small["outlines"]["iou_mean"] < 0.85
    assert small["outlines"]["dist_mean"] > 5.0  # ≈ 2.2 px ≈ 19 em/1000 at most, less on average
    assert small["mask"]["fm"] < 0.9
    far = score(tmp_path, spec, truth, "shift40", shift=(40.0, 0.0))
    assert far["detection"]["f1"] < 0.5


def test_a_jittered_outline_scores_worse(tmp_path, pages, truths):
    s = score(tmp_path, pages["mild"], truths["mild"], "jitter", jitter_units=8.0, seed=1)
    assert s["detection"]["f1"] == 1.0
    assert 0.8 < s["outlines"]["iou_mean"] < 0.97
    assert 1.5 < s["outlines"]["dist_mean"] < 8.0
    assert s["outlines"]["dist_p95"] > s["outlines"]["dist_mean"]


def test_a_blurred_mask_scores_worse(tmp_path, pages, truths):
    s = score(tmp_path, pages["clean"], truths["clean"], "blur", blur_px=3.0)
    assert s["mask"]["fm"] < 0.99
    assert s["outlines"]["iou_mean"] > 0.99  # the outlines were not touched


def test_wrong_labels_score_zero(tmp_path, pages, truths):
    spec, truth = pages["clean"], truths["clean"]
    out = tmp_path / "labels"
    write_truth_answer(spec, str(out))
    manifest = json.loads((out / "glyphs.json").read_text(encoding="utf-8"))
    chars = [e["char"] for e in manifest["glyphs"]]
    for e, c in zip(manifest["glyphs"], chars[1:] + chars[:1]):
        e["char"] = c
    (out / "glyphs.json").write_text(json.dumps(manifest), encoding="utf-8")
    s = score_contract(Contract.read(str(out)), truth, compile_ufo=False)
    assert s["detection"]["f1"] == 1.0 and s["detection"]["label_acc"] == 0.0


def test_detection_counts():
    truth = [(0, 0, 10, 10), (20, 0, 30, 10), (40, 0, 50, 10)]
    pred = [(1, 0, 11, 10), (20, 0, 30, 10), (60, 0, 70, 10), (45, 0, 55, 10)]
    d = detection_score(pred, ["a", "x", "c", "c"], truth, ["a", "b", "c"])
    assert (d["tp"], d["fp"], d["fn"], d["correct"]) == (2, 2, 1, 1)
    assert d["precision"] == 0.5 and d["recall"] == pytest.approx(2 / 3)


def test_boundary_distances_are_exact():
    shape = Polygon([(0, 0), (10, 0), (10, 3), (0, 3)]).difference(Point(5, 1.5).buffer(1.0))
    q = np.array([[5, 1.5], [5, 5], [-1, -1], [3, 1.5], [7.3, 0.2]])
    expect = [shape.boundary.distance(Point(*p)) for p in q]
    assert np.allclose(Boundary(shape).distance(q), expect, atol=1e-9)


def test_potrace_output_lands_on_the_page(tmp_path):
    from benchmarks.baselines import potrace_glyph
    from glyphseg.geometry import drawing_to_shape, iou

    mask = np.zeros((30, 40), bool)
    mask[5:25, 10:30] = True
    mask[10:20, 15:25] = False  # a square ring
    r = potrace_glyph(mask, 100, 200, [], str(tmp_path))
    shape = drawing_to_shape(r)
    truth = Polygon([(110, 205), (130, 205), (130, 225), (110, 225)]).difference(
        Polygon([(115, 210), (125, 210), (125, 220), (115, 220)]))
    assert iou(shape, truth) > 0.97


def test_makebox_is_flipped_onto_the_page():
    from benchmarks.baselines import parse_makebox

    boxes = parse_makebox('A 10 80 20 95 0\n" 30 70 35 90 0\n', page_height=100)
    assert boxes == [("A", (10.0, 5.0, 20.0, 20.0)), ('"', (30.0, 10.0, 35.0, 30.0))]


def test_page_xml_glyphs_in_reading_order(tmp_path):
    ns = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<PcGts xmlns="{ns}"><Page imageFilename="x.tif" imageWidth="100" imageHeight="100">
<ReadingOrder><OrderedGroup id="g"><RegionRefIndexed regionRef="r1" index="1"/>
<RegionRefIndexed regionRef="r0" index="0"/></OrderedGroup></ReadingOrder>
<TextRegion id="r1"><TextLine id="l2"><Word id="w2"><Glyph id="c3"><Coords points="50,10 60,10 60,20 50,20"/>
<TextEquiv><Unicode>z</Unicode></TextEquiv></Glyph></Word></TextLine></TextRegion>
<TextRegion id="r0"><TextLine id="l1"><Word id="w1">
<Glyph id="c1"><Coords points="10,10 19,10 19,29 10,29"/><TextEquiv><Unicode>a</Unicode></TextEquiv></Glyph>
<Glyph id="c2"><Coords points="20,10 29,10 29,29 20,29"/><TextEquiv><Unicode>ch</Unicode></TextEquiv></Glyph>
</Word></TextLine></TextRegion></Page></PcGts>"""
    path = tmp_path / "p.xml"
    path.write_text(xml, encoding="utf-8")
    glyphs = read_page_glyphs(str(path))
    assert [g.text for g in glyphs] == ["a", "ch", "z"]
    assert glyphs[0].bbox == (10, 10, 20, 30)


def test_missing_packages_are_named():
    fake = bench_fonts.SuiteFont("nope", "Nope", "serif", "text", "fonts-nope", "/nonexistent/Nope.ttf")
    assert "fonts-nope" in bench_fonts.missing_requirements([fake], baselines=False)
    with open(os.path.join(os.path.dirname(bench_fonts.__file__), "requirements-apt.txt")) as fh:
        listed = {line.strip() for line in fh if line.strip() and not line.startswith("#")}
    assert {f.package for f in bench_fonts.SUITE} <= listed
    assert {"potrace", "tesseract-ocr", "tesseract-ocr-frk"} <= listed


def test_bench_command_runs_end_to_end(tmp_path):
    from click.testing import CliRunner

    from benchmarks.cli import bench_command

    # the baselines are installed by setup.sh (benchmarks/requirements-apt.txt)
    assert shutil.which("potrace") and shutil.which("tesseract"), "run setup.sh: potrace and tesseract are missing"
    args = ["--fonts", "dejavu-sans-mono", "--levels", "clean", "--no-real", "-q", "-o", str(tmp_path)]
    result = CliRunner().invoke(bench_command, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    s = results["summary"]["text/clean"]
    assert s["detection"]["glyphseg_text"]["f1"] > 0.9
    assert "machine" in results and results["machine"]["cores"] >= 1
    md = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "glyphseg vs the usual tools" in md and "--fonts dejavu-sans-mono" in md
    assert "--quick" not in md.splitlines()[2]  # the command as given, no flag that was not
    assert {"potrace_default", "potrace_text"} <= set(s["outlines"])
    assert "tesseract" in s["detection"]


def test_bench_command_rejects_unknown_fonts(tmp_path):
    from click.testing import CliRunner

    from benchmarks.cli import bench_command

    result = CliRunner().invoke(bench_command, ["--fonts", "comic-sans", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown font id" in result.output


def test_the_benchmark_is_python_m_benchmarks_not_an_installed_command():
    """The installed `glyphseg` has no `bench` (the benchmarks/ package is not in the wheel); `python -m
    benchmarks` is the command, and its help names no path that only means something inside this project."""
    import subprocess

    from click.testing import CliRunner

    from benchmarks.cli import bench_command
    from glyphseg.cli import main

    assert "bench" not in main.commands
    result = CliRunner().invoke(main, ["bench", "--help"])
    assert result.exit_code == 2 and "No such command" in result.output
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--help"], cwd=root, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Usage: python -m benchmarks")
    assert "a folder of real scans with a manifest" in " ".join(proc.stdout.split()).lower()
    assert "../shared" not in proc.stdout and "shared/data" not in proc.stdout
    assert {"--quick", "--fonts", "--levels", "--seed", "--jobs", "--segmenter", "--no-real", "--real-dir",
            "--no-baselines", "--out", "--keep", "--install-apt", "--quiet"} <= {
        max(p.opts, key=len) for p in bench_command.params}
