"""Specimen-book pages: one font per face, ornaments and rules kept out.

A specimen book shows several faces on a page, each in its own block (an alphabet or sample words, sometimes
the same font at two sizes), with rules between the blocks, an ornament, now and then a frame around a block,
and a page number. This composes such pages (glyphseg.specimen.render_composed: exact ground truth for the
glyphs, their faces and the non-glyph elements), runs `glyphseg extract` on each, with the transcript
(`--text-file`) and without, and scores the output folder's contract:

- **F1**: detection over the faces' glyphs (one-to-one box matching, IoU ≥ 0.5, as benchmarks/own_spacing.py);
  the page number's digits are left out on both sides (found as glyphs, they count under "elements in fonts");
  **labels**: matched glyphs with the right character, over all true glyphs (with the transcript only);
- **faces**: faces in glyphs.json (`"faces"`; an output without it is one face) against the true faces, and
  **face acc.**: the share of matched glyphs whose predicted face is the one mapped to their true face
  (Hungarian assignment on the co-occurrence table; glyphs of unmapped predicted faces are wrong);
- **in fonts**: output glyphs (any face) with ≥ 50 % of their box on a true rule, ornament, frame (its border,
  not what it frames) or page number: the target is 0;
- **elements**: true elements matched by a box of glyphs.json's `"elements"` (IoU ≥ 0.3, or a piece of the
  element: the found box ≥ 90 % inside the true one, or a loose box: the true box ≥ 90 % inside one at most
  4 × its area), with how many got the right kind; **false el.**: found elements that match none;
- **UFOs**: each face's UFO compiles (ufo2ft, benchmarks/scoring.ufo_compiles).

    python -m benchmarks.faces [--pages 12] [--levels clean,mild] [--seed 0] [--quick] [--keep DIR]
                               [-o benchmarks/faces.md]
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import click
import numpy as np
from scipy.optimize import linear_sum_assignment

from glyphseg.score import box_iou, match_boxes, prf
from glyphseg.specimen import DEFAULT_LINES, Specimen, degrade, render_composed, save_png, wrap_words

from . import fonts as fonts_mod
from .own_spacing import WORDS

DPI = 400
PAGE_IN, MARGIN_IN = (8.5, 11.0), 0.6
SIZES = (10, 12, 14, 18, 24, 30)
ALPHABET = DEFAULT_LINES[:5]  # A–Z, a–z, 0–9
PANGRAMS = ["The quick brown fox jumps over the lazy dog.", "Pack my box with five dozen liquor jugs.",
            "Sphinx of black quartz, judge my vow.", "How vexingly quick daft zebras jump!",
            "The five boxing wizards jump quickly.", "Jackdaws love my big sphinx of quartz."]
SAMPLE = WORDS + PANGRAMS
SIBLING_CHANCE = 0.35  # another style of a family already on the page: Regular and Bold are two faces
STYLES = ("Bold", "Italic", "Oblique")  # other files of a family that the suite's packages install
LEVELS = ("clean", "mild")
MODES = ("text", "no text")
ELEMENT_KINDS = ("rule", "ornament", "frame", "number")
RUN_TIMEOUT_S = 900


# ---------------------------------------------------------------------------------------------- the pages

@dataclass(frozen=True)
class Face:
    label: str  # suite id, and the style where not the regular
    path: str
    family: str  # suite id


def face_pool() -> List[Face]:
    """The suite's text fonts and, where their package installs them, the Bold and Italic (or Oblique) files
    beside them (DejaVuSans-Bold.ttf, LiberationSerif-Italic.ttf, Go-Bold.ttf …)."""
    pool = []
    for f in fonts_mod.text_fonts():
        pool.append(Face(f.id, f.path, f.id))
        stem, ext = os.path.splitext(os.path.basename(f.path))
        base = stem[: -len("-Regular")] if stem.endswith("-Regular") else stem
        for style in STYLES:
            path = os.path.join(os.path.dirname(f.path), f"{base}-{style}{ext}")
            if os.path.exists(path):
                pool.append(Face(f"{f.id} {style.lower()}", path, f.id))
    return pool


def _words_block(rng: np.random.Generator, face: Face, size: float) -> List[str]:
    """A few lines of sample words (more at small sizes), filled to the text width."""
    n_lines = 3 if size <= 14 else 2
    start = int(rng.integers(len(SAMPLE)))  # from the start of a sample line
    words = " ".join(SAMPLE[start:] + SAMPLE[:start]).split()
    return wrap_words(face.path, size, words, (PAGE_IN[0] - 2 * MARGIN_IN) * DPI, DPI)[:n_lines]


def compose(rng: np.random.Generator, pool: Sequence[Face], same_font_twice: bool):
    """One page's blocks: 2–4 faces at 2–3 sizes, each an alphabet or sample words; with `same_font_twice`
    one face also at a second size (one face, two blocks). Returns (blocks, faces)."""
    n_faces = int(rng.integers(2, 5))
    faces = [pool[int(rng.integers(len(pool)))]]
    while len(faces) < n_faces:
        families = {f.family for f in faces}
        siblings = [f for f in pool if f.family in families and f not in faces]
        others = [f for f in pool if f.family not in families]
        choices = siblings if siblings and rng.random() < SIBLING_CHANCE else others
        faces.append(choices[int(rng.integers(len(choices)))])
    n_blocks = n_faces + (1 if same_font_twice else 0)
    n_sizes = min(int(rng.integers(2, 4)), n_blocks)
    sizes = [float(s) for s in rng.choice(SIZES, n_sizes, replace=False)]
    # every size used; the repeated face's two blocks at different sizes (the first two sizes)
    block_sizes = sizes + [sizes[int(rng.integers(n_sizes))] for _ in range(n_blocks - n_sizes)]
    order = [0] + ([0] if same_font_twice else []) + list(range(1, n_faces))
    blocks = []
    for face_index, size in zip(order, block_sizes):
        face = faces[face_index]
        lines = ALPHABET if rng.random() < 0.5 else _words_block(rng, face, size)
        blocks.append((face.path, size, list(lines), face_index))
    perm = rng.permutation(len(blocks))
    return [blocks[i] for i in perm], faces


def make_page(index: int, seed: int, pool: Sequence[Face]) -> Tuple[Specimen, list, List[Face]]:
    """A page that fits, with an ornament: drawn again (deterministically) until one does."""
    rng = np.random.default_rng([seed, index])
    for _ in range(50):
        blocks, faces = compose(rng, pool, same_font_twice=index % 3 == 0)
        try:
            spec = render_composed(blocks, dpi=DPI, page_in=PAGE_IN, margin_in=MARGIN_IN,
                                   seed=int(rng.integers(2 ** 31)))
        except ValueError:  # too tall for the page: draw again
            continue
        if any(e.kind == "ornament" for e in spec.elements):
            return spec, blocks, faces
    raise RuntimeError(f"page {index}: no layout with room for an ornament in 50 draws")


# ---------------------------------------------------------------------------------------------- glyphseg

def run_extract(png: str, outdir: str, text: Optional[str]) -> dict:
    """`glyphseg extract PNG -o OUTDIR --dpi 400 --segmenter threshold -q --force [--text-file T]`, as a
    subprocess of this Python: the command line as users run it, output folder and all."""
    cmd = [sys.executable, "-m", "glyphseg.cli", "extract", png, "-o", outdir, "--dpi", str(DPI),
           "--segmenter", "threshold", "-q", "--force"]
    if text is not None:
        txt = os.path.splitext(png)[0] + ".txt"
        with open(txt, "w", encoding="utf-8") as fh:
            fh.write(text)
        cmd += ["--text-file", txt]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        error = proc.stderr.strip().splitlines()[-1] if proc.returncode else None
    except subprocess.TimeoutExpired:
        error = f"timed out after {RUN_TIMEOUT_S} s"
    return {"seconds": time.perf_counter() - t0, "error": error}


def read_manifest(outdir: str) -> Optional[dict]:
    path = os.path.join(outdir, "glyphs.json")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


# ---------------------------------------------------------------------------------------------- scoring

def _area(b) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _inter(a, b) -> float:
    return _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def element_share(box, element) -> float:
    """The share of `box` on a true element's ink box; a frame's hole (what it frames) does not count."""
    inside = _inter(box, element.bbox) - (_inter(box, element.hole) if element.hole is not None else 0.0)
    return inside / _area(box) if _area(box) > 0 else 0.0


def element_found(pred_box, true_box) -> bool:
    """A predicted element box that finds a true one: IoU ≥ 0.3, a piece of it, or a loose box around it."""
    if box_iou(pred_box, true_box) >= 0.3:
        return True
    inter = _inter(pred_box, true_box)
    piece = _area(pred_box) > 0 and inter >= 0.9 * _area(pred_box)
    loose = inter >= 0.9 * _area(true_box) and _area(pred_box) <= 4 * _area(true_box)
    return piece or loose


def face_agreement(pairs: Sequence[Tuple[int, int]], pred_face: Sequence[int], true_face: Sequence[int]) -> int:
    """Matched glyphs whose predicted face maps to their true face, the map being the Hungarian assignment on the
    co-occurrence table (predicted faces left unmapped count as wrong)."""
    if not pairs:
        return 0
    pf = sorted({pred_face[i] for i, _ in pairs})
    tf = sorted({true_face[j] for _, j in pairs})
    table = np.zeros((len(pf), len(tf)), int)
    for i, j in pairs:
        table[pf.index(pred_face[i]), tf.index(true_face[j])] += 1
    rows, cols = linear_sum_assignment(-table)
    return int(table[rows, cols].sum())


def ufos_compile(outdir: str, manifest: dict) -> Tuple[int, int, List[str]]:
    """(compiled, total, errors) over the faces' UFOs (the one UFO of an output without faces)."""
    import ufoLib2

    from .scoring import ufo_compiles

    names = [f.get("ufo") for f in manifest.get("faces", [])] or [manifest.get("ufo")]
    ok, errors = 0, []
    for name in names:
        try:
            good, why = ufo_compiles(ufoLib2.Font.open(os.path.join(outdir, name)))
        except Exception as e:  # noqa: BLE001 - a UFO that will not open does not compile either
            good, why = False, f"{type(e).__name__}: {e}"[:300]
        ok += good
        if not good:
            errors.append(f"{name}: {why}")
    return ok, len(names), errors


def score_page(spec: Specimen, manifest: Optional[dict], outdir: str, labels: bool) -> dict:
    """Every figure of one glyphseg run on one page (see the module docstring)."""
    truth = [g for g in spec.glyphs if g.face >= 0]
    true_faces = sorted({g.face for g in truth})
    out = {"true_faces": len(true_faces), "n": len(truth), "true_elements": Counter(e.kind for e in spec.elements)}
    if manifest is None:  # no output: nothing found
        return {**out, "tp": 0, "fp": 0, "fn": len(truth), "right": 0 if labels else None, "faces": 0, "face_right": 0,
                "in_fonts": Counter(), "found": Counter(), "kind_right": Counter(), "false_elements": 0,
                "ufo_ok": 0, "ufo_n": 0, "ufo_errors": []}
    pred = [g for g in manifest.get("glyphs", []) if g.get("page", 0) == 0]
    boxes = [tuple(g["bbox"]) for g in pred]
    # the page number's digits, found as glyphs, are left out of F1 (they count as elements in fonts below)
    numbers = match_boxes(boxes, [g.bbox for g in spec.glyphs if g.face < 0])
    keep = sorted(numbers.unmatched_pred)
    m = match_boxes([boxes[i] for i in keep], [g.bbox for g in truth])
    pairs = [(keep[i], j) for i, j in m.pairs]
    out.update(tp=len(pairs), fp=len(m.unmatched_pred), fn=len(m.unmatched_true),
               right=sum(pred[i].get("char") == truth[j].char for i, j in pairs) if labels else None)
    # faces: an output without "faces" is one face
    pred_face = [int(g.get("face", 0) or 0) for g in pred]
    out["faces"] = len(manifest["faces"]) if "faces" in manifest else (1 if pred else 0)
    out["face_right"] = face_agreement(pairs, pred_face, [g.face for g in truth])
    # non-glyph ink kept in a font, by the kind of element it is on
    out["in_fonts"] = Counter()
    for box in boxes:
        on = [e.kind for e in spec.elements if element_share(box, e) >= 0.5]
        if on:
            out["in_fonts"][on[0]] += 1
    # elements found, and of those with the right kind
    found_boxes = [(e.get("kind"), tuple(e["bbox"])) for e in manifest.get("elements", []) if e.get("page", 0) == 0]
    out["found"], out["kind_right"] = Counter(), Counter()
    for e in spec.elements:
        hits = [kind for kind, box in found_boxes if element_found(box, e.bbox)]
        if hits:
            out["found"][e.kind] += 1
            out["kind_right"][e.kind] += e.kind in hits
    out["false_elements"] = sum(not any(element_found(box, e.bbox) for e in spec.elements) for _, box in found_boxes)
    out["ufo_ok"], out["ufo_n"], out["ufo_errors"] = ufos_compile(outdir, manifest)
    return out


# ---------------------------------------------------------------------------------------------- the report

def _f1(s: dict) -> float:
    return prf(s["tp"], s["fp"], s["fn"])[2]


def _elements(s: dict) -> str:
    return f"{sum(s['found'].values())} ({sum(s['kind_right'].values())}) / {sum(s['true_elements'].values())}"


def page_row(page: int, level: str, mode: str, s: dict) -> str:
    labels = f"{s['right'] / s['n']:.3f}" if s["right"] is not None else "—"
    face_acc = f"{s['face_right'] / s['tp']:.3f}" if s["tp"] else "—"
    in_fonts = sum(s["in_fonts"].values())
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(s["in_fonts"].items()))
    return (f"| {page} | {level} | {mode} | {_f1(s):.3f} | {labels} | {s['faces']} / {s['true_faces']} | {face_acc} "
            f"| {in_fonts}{f' ({kinds})' if kinds else ''} | {_elements(s)} | {s['false_elements']} "
            f"| {s['ufo_ok']} / {s['ufo_n']} | {s['seconds']:.0f}{' ' + s['error'] if s.get('error') else ''} |")


def pooled_row(level: str, mode: str, scores: Sequence[dict]) -> str:
    tot = {k: sum(s[k] for s in scores) for k in ("tp", "fp", "fn", "n", "face_right", "false_elements",
                                                  "ufo_ok", "ufo_n")}
    labels = (f"{sum(s['right'] for s in scores) / tot['n']:.3f}" if scores[0]["right"] is not None else "—")
    exact = sum(s["faces"] == s["true_faces"] for s in scores)
    off = sum(abs(s["faces"] - s["true_faces"]) for s in scores) / len(scores)
    in_fonts = sum((s["in_fonts"] for s in scores), Counter())
    true_el = sum((s["true_elements"] for s in scores), Counter())
    found = sum((s["found"] for s in scores), Counter())
    right = sum((s["kind_right"] for s in scores), Counter())
    by_kind = " · ".join(f"{k} {found[k]} ({right[k]}) / {true_el[k]}" for k in ELEMENT_KINDS if true_el[k])
    return (f"| {level} | {mode} | {len(scores)} | {prf(tot['tp'], tot['fp'], tot['fn'])[2]:.3f} | {labels} "
            f"| {exact} / {len(scores)} | {off:.2f} | "
            f"{tot['face_right'] / tot['tp'] if tot['tp'] else float('nan'):.3f} | {sum(in_fonts.values())} "
            f"| {by_kind} | {tot['false_elements']} | {tot['ufo_ok']} / {tot['ufo_n']} "
            f"| {sum(s['seconds'] for s in scores) / len(scores):.0f} |")


def page_line(index: int, blocks, faces: Sequence[Face], spec: Specimen) -> str:
    by_face: Dict[int, List[str]] = {}
    for _, size, lines, face in blocks:
        by_face.setdefault(face, []).append(f"{size:g}")
    desc = "; ".join(f"{faces[f].label} {'+'.join(sizes)} pt" for f, sizes in sorted(by_face.items()))
    kinds = Counter(e.kind for e in spec.elements)
    return f"| {index} | {desc} | {sum(g.face >= 0 for g in spec.glyphs)} | " + \
        ", ".join(f"{k} {kinds[k]}" for k in ELEMENT_KINDS if kinds[k]) + " |"


def report(pages_desc: List[str], rows: List[str], pooled: List[str], args: str, minutes: float) -> str:
    return "\n".join([
        "# Specimen-book pages: faces, rules and ornaments", "",
        f"Made by `python -m benchmarks.faces{args}` ({minutes:.1f} min). Composed letter pages at {DPI} dpi "
        "(glyphseg.specimen.render_composed), each run through `glyphseg extract --segmenter threshold` with "
        "the transcript (`--text-file`) and without. Figures: see benchmarks/faces.py.", "",
        "## Pooled", "",
        "| level | mode | pages | F1 | labels | faces exact | faces off (mean) | face acc. | in fonts "
        "| elements found (kind right) / true | false el. | UFOs compile | s / page |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|", *pooled, "",
        "## Pages", "", "| page | faces (sizes) | glyphs | elements |", "|---|---|---|---|", *pages_desc, "",
        "| page | level | mode | F1 | labels | faces / true | face acc. | in fonts "
        "| elements found (kind right) / true | false el. | UFOs compile | s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|", *rows, ""])


@click.command()
@click.option("--pages", type=int, default=12, show_default=True, help="Composed pages.")
@click.option("--levels", default=",".join(LEVELS), show_default=True, help="Comma-separated: clean,mild.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the pages and their degradation.")
@click.option("--quick", is_flag=True, help="3 pages, clean only.")
@click.option("--keep", type=click.Path(file_okay=False), default=None,
              help="Keep the pages and glyphseg's output folders here (default: a temporary folder).")
@click.option("-o", "--out", default=os.path.join(os.path.dirname(__file__), "faces.md"), show_default=True)
def main(pages, levels, seed, quick, keep, out):
    levels = ["clean"] if quick else [v.strip() for v in levels.split(",") if v.strip()]
    pages = 3 if quick else pages
    args = (" --quick" if quick else (f" --pages {pages}" if pages != 12 else "") +
            (f" --levels {','.join(levels)}" if levels != list(LEVELS) else "")) + (f" --seed {seed}" if seed else "")
    pool = face_pool()
    t_start = time.perf_counter()
    pages_desc, rows, results = [], [], {}
    with tempfile.TemporaryDirectory(prefix="glyphseg-faces-") as tmp:
        work = keep or tmp
        os.makedirs(work, exist_ok=True)
        for index in range(pages):
            clean, blocks, faces = make_page(index, seed, pool)
            pages_desc.append(page_line(index, blocks, faces, clean))
            click.echo(pages_desc[-1])
            for level in levels:
                spec = degrade(clean, level, seed=seed * 1000 + index)
                png = os.path.join(work, f"page-{index:02d}-{level}.png")
                save_png(spec, png)
                for mode in MODES:
                    outdir = os.path.join(work, f"page-{index:02d}-{level}-{mode.replace(' ', '')}")
                    run = run_extract(png, outdir, spec.text if mode == "text" else None)
                    manifest = None if run["error"] else read_manifest(outdir)
                    s = {**score_page(spec, manifest, outdir, labels=mode == "text"), **run}
                    results.setdefault((level, mode), []).append(s)
                    rows.append(page_row(index, level, mode, s))
                    click.echo(rows[-1])
                    for err in s["ufo_errors"]:
                        click.echo(f"  UFO: {err}", err=True)
    pooled = [pooled_row(level, mode, results[(level, mode)]) for level in levels for mode in MODES]
    text = report(pages_desc, rows, pooled, args, (time.perf_counter() - t_start) / 60)
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(text)
    click.echo(text)


if __name__ == "__main__":
    main()
