"""Throughput: seconds per page for glyphseg and the potrace page baseline on the same pages in one run, the
batch engines, real sheets, and how the cost grows with glyph size and glyph count.

    python -m benchmarks.throughput [--quick] [--real-dir ../shared/data/real] [-o benchmarks/THROUGHPUT.md]
                                    [--glyphseg-src PATH]   # time another checkout's glyphseg (before/after)

Every figure is the wall time of a command, as a user runs it (a fresh process: interpreter start and
imports included), on this machine:
- **pages**: `glyphseg extract PAGE -o OUT --text T --segmenter threshold -q` against
  `python -m benchmarks.potrace_pipeline PAGE -o OUT` (Otsu + components + potrace per component), on the
  benchmark's specimen pages (text fonts, clean / mild / harsh);
- **batch**: `glyphseg batch` over 8 mild pages (sidecar transcripts) with `-j 1`, `-j 2`, again (resume),
  and `--engine ray -j 2`; the baseline over the same 8 pages in one process;
- **real**: Kant 1784 p.17 (with its PAGE-XML transcript and without), Krause 1922 sheets 1–4 scaled ×2 to
  the full scan's size (~5640 × 4240 px);
- **scaling**: one alphabet page at 150–2400 dpi (29–467 px/em) and 1–8 alphabet blocks per page, with the
  stage times from glyphs.json (`rest` = interpreter start, imports, export and report).
Long (minutes): not run by the tests.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional

import click

from glyphseg.specimen import DEFAULT_LINES, degrade, render_specimen, save_png

from . import fonts as fonts_mod
from . import real as real_mod

STAGES = ("ingest", "detect", "label", "segment", "refine", "vectorize")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Runner:
    def __init__(self, glyphseg_src: Optional[str]):
        self.env = dict(os.environ)
        if glyphseg_src:
            self.env["PYTHONPATH"] = os.path.abspath(glyphseg_src) + os.pathsep + self.env.get("PYTHONPATH", "")
        self.env.pop("GLYPHSEG_DEBUG", None)

    def timed(self, args: List[str], cwd: Optional[str] = None) -> Dict[str, object]:
        t = time.perf_counter()
        r = subprocess.run(args, capture_output=True, text=True, env=self.env, cwd=cwd, timeout=3600)
        return {"seconds": time.perf_counter() - t, "rc": r.returncode, "stderr": r.stderr[-500:]}

    def glyphseg(self, *args: str) -> Dict[str, object]:
        return self.timed([sys.executable, "-m", "glyphseg.cli", *args])

    def extract(self, page: str, out: str, text: Optional[str] = None, *extra: str) -> Dict[str, object]:
        shutil.rmtree(out, ignore_errors=True)
        r = self.glyphseg("extract", page, "-o", out, "--segmenter", "threshold", "-q",
                          *(["--text-file", text] if text else []), *extra)
        r.update(stage_times(out))
        return r

    def baseline(self, pages: List[str], out: str) -> Dict[str, object]:
        shutil.rmtree(out, ignore_errors=True)
        return self.timed([sys.executable, "-m", "benchmarks.potrace_pipeline", *pages, "-o", out], cwd=ROOT)


def stage_times(outdir: str) -> Dict[str, object]:
    try:
        with open(os.path.join(outdir, "glyphs.json"), encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return {}
    t = doc.get("timings", {})
    return {"glyphs": len(doc.get("glyphs", [])), **{s: float(t.get(f"{s}_s", 0.0)) for s in STAGES}}


def _write_page(spec, folder: str, name: str) -> str:
    path = os.path.join(folder, name + ".png")
    save_png(spec, path)
    with open(os.path.join(folder, name + ".txt"), "w", encoding="utf-8") as fh:
        fh.write(spec.text)
    return path


def make_pages(folder: str, fonts, levels) -> List[str]:
    from .suite import DPI, SIZE_PT, page_seed

    pages = []
    for level in levels:
        for font in fonts:
            spec = degrade(render_specimen(font.path, dpi=DPI, size_pt=SIZE_PT), level,
                           seed=page_seed(font.id, level, 0))
            pages.append(_write_page(spec, folder, f"{font.id}-{level}"))
    return pages


def run_pages(runner: Runner, pages: List[str], work: str) -> List[dict]:
    rows = []
    for page in pages:
        stem = os.path.splitext(page)[0]
        g = runner.extract(page, os.path.join(work, "g"), stem + ".txt")
        b = runner.baseline([page], os.path.join(work, "b"))
        rows.append({"page": os.path.basename(stem), "glyphseg": g, "baseline": b})
        print(f"  {os.path.basename(stem)}: glyphseg {g['seconds']:.2f} s, baseline {b['seconds']:.2f} s", file=sys.stderr)
    return rows


def run_batches(runner: Runner, pages: List[str], work: str, ray: bool) -> dict:
    folder = os.path.join(work, "batch-in")
    os.makedirs(folder, exist_ok=True)
    for p in pages:
        for ext in (".png", ".txt"):
            shutil.copy(os.path.splitext(p)[0] + ext, folder)
    out = {}
    for name, args in (("j1", ["-j", "1"]), ("j2", ["-j", "2"]), ("resume", ["-j", "2"]),
                       *((("ray_j2", ["--engine", "ray", "-j", "2"]),) if ray else ())):
        dest = os.path.join(work, "batch-out-" + ("j2" if name == "resume" else name))
        if name != "resume":
            shutil.rmtree(dest, ignore_errors=True)
        out[name] = runner.glyphseg("batch", folder, "-o", dest, "--segmenter", "threshold", "-q", *args)
        print(f"  batch {name}: {out[name]['seconds']:.1f} s (rc {out[name]['rc']})", file=sys.stderr)
    out["baseline"] = runner.baseline(sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".png")),
                                      os.path.join(work, "batch-baseline"))
    out["pages"] = len(pages)
    return out


def run_real(runner: Runner, real_dir: str, work: str, sheets=(1, 2, 3, 4)) -> dict:
    from PIL import Image

    out = {}
    kant = real_mod.kant_paths(real_dir)
    if kant:
        tif, xml = kant
        text = os.path.join(work, "kant.txt")
        with open(text, "w", encoding="utf-8") as fh:
            fh.write("".join(g.text for g in real_mod.read_page_glyphs(xml)))
        out["kant_text"] = runner.extract(tif, os.path.join(work, "kant"), text)
        out["kant"] = runner.extract(tif, os.path.join(work, "kant"))
        print(f"  Kant: {out['kant_text']['seconds']:.1f} s with text, {out['kant']['seconds']:.1f} s without",
              file=sys.stderr)
    for k in sheets:
        src = os.path.join(real_dir, "krause1922", f"sheet-{k:02d}.png")
        if not os.path.exists(src):
            continue
        im = Image.open(src).convert("L")
        big = os.path.join(work, f"krause-{k}.png")
        im.resize((im.width * 2, im.height * 2), Image.LANCZOS).save(big, dpi=(600, 600))
        out[f"krause_{k}"] = dict(runner.extract(big, os.path.join(work, "krause")), size=[im.width * 2, im.height * 2])
        print(f"  Krause sheet {k} ×2: {out[f'krause_{k}']['seconds']:.1f} s", file=sys.stderr)
    return out


def run_scaling(runner: Runner, work: str, quick: bool) -> dict:
    font = next(f for f in fonts_mod.SUITE if f.id == "dejavu-serif")
    sizes, counts = {}, {}
    for dpi in ((300, 1200) if quick else (150, 300, 600, 1200, 2400)):
        path = _write_page(render_specimen(font.path, dpi=dpi, size_pt=14), work, f"size-{dpi}")
        sizes[dpi] = dict(runner.extract(path, os.path.join(work, "s"), os.path.splitext(path)[0] + ".txt"),
                          px_per_em=round(14 / 72 * dpi, 1))
        print(f"  {dpi} dpi: {sizes[dpi]['seconds']:.1f} s", file=sys.stderr)
    for k in ((1, 4) if quick else (1, 2, 4, 8)):
        path = _write_page(render_specimen(font.path, lines=list(DEFAULT_LINES) * k, dpi=600, size_pt=14), work,
                           f"count-{k}")
        counts[k] = runner.extract(path, os.path.join(work, "s"), os.path.splitext(path)[0] + ".txt")
        print(f"  {k} alphabet(s): {counts[k]['seconds']:.1f} s", file=sys.stderr)
    return {"sizes": sizes, "counts": counts}


# ---------------------------------------------------------------------------------------------------------- tables

def _stage_cells(r: dict) -> str:
    stages = sum(r.get(s, 0.0) for s in STAGES)
    return " | ".join(f"{r.get(s, 0.0):.2f}" for s in STAGES) + f" | {r['seconds'] - stages:.2f}"


def tables(res: dict) -> str:
    out = []
    rows = res.get("pages", [])
    if rows:
        out += ["## Specimen pages, one command per page (wall seconds)", "",
                "| level | pages | glyphseg s/page (mean) | potrace baseline s/page (mean) | ratio | glyphseg glyphs/page |",
                "|---|---|---|---|---|---|"]
        for level in ("clean", "mild", "harsh"):
            sel = [r for r in rows if r["page"].endswith(level)]
            if not sel:
                continue
            g = statistics.mean(r["glyphseg"]["seconds"] for r in sel)
            b = statistics.mean(r["baseline"]["seconds"] for r in sel)
            n = statistics.mean(r["glyphseg"].get("glyphs", 0) for r in sel)
            out.append(f"| {level} | {len(sel)} | {g:.2f} | {b:.2f} | {g / b:.2f} | {n:.0f} |")
        out += ["", "Stage seconds (means; `rest` = interpreter start, imports, export, report):", "",
                "| level | " + " | ".join(STAGES) + " | rest |", "|---" * (len(STAGES) + 2) + "|"]
        for level in ("clean", "mild", "harsh"):
            sel = [r["glyphseg"] for r in rows if r["page"].endswith(level)]
            if sel:
                mean = {k: statistics.mean(float(s.get(k, 0.0)) for s in sel) for k in (*STAGES, "seconds")}
                out.append(f"| {level} | {_stage_cells(mean)} |")
        out.append("")
    b = res.get("batch")
    if b:
        n = b["pages"]
        j1, j2 = b["j1"]["seconds"], b["j2"]["seconds"]
        out += [f"## Batch of {n} mild pages (wall seconds for the whole batch)", "",
                "| run | seconds | s/page | note |", "|---|---|---|---|",
                f"| glyphseg batch -j 1 | {j1:.1f} | {j1 / n:.2f} | |",
                f"| glyphseg batch -j 2 | {j2:.1f} | {j2 / n:.2f} | {j1 / j2:.2f}× -j 1 |",
                f"| glyphseg batch -j 2, again (resume) | {b['resume']['seconds']:.1f} | — | "
                f"{100 * b['resume']['seconds'] / j2:.0f} % of the first run |"]
        if "ray_j2" in b:
            r = b["ray_j2"]["seconds"]
            out.append(f"| glyphseg batch --engine ray -j 2 | {r:.1f} | {r / n:.2f} | local Ray started and stopped "
                       "inside |")
        bl = b["baseline"]["seconds"]
        out += [f"| potrace baseline, one process | {bl:.1f} | {bl / n:.2f} | |", ""]
    real = res.get("real")
    if real:
        out += ["## Real scans (one command each, wall seconds)", "",
                "| input | glyphs | seconds | " + " | ".join(STAGES) + " | rest |", "|---" * (len(STAGES) + 4) + "|"]
        names = {"kant_text": "Kant 1784 p.17, with transcript", "kant": "Kant 1784 p.17, no transcript"}
        for key, r in real.items():
            name = names.get(key) or f"Krause 1922 sheet {key[-1]} ×2 ({r['size'][0]} × {r['size'][1]})"
            out.append(f"| {name} | {r.get('glyphs', '—')} | {r['seconds']:.1f} | {_stage_cells(r)} |")
        out.append("")
    sc = res.get("scaling")
    if sc:
        out += ["## How the cost grows (DejaVu Serif alphabet page, --text)", "",
                "| page | px/em | glyphs | seconds | s/glyph | " + " | ".join(STAGES) + " | rest |",
                "|---" * (len(STAGES) + 6) + "|"]
        for dpi, r in sc["sizes"].items():
            out.append(f"| {dpi} dpi | {r['px_per_em']} | {r.get('glyphs', 0)} | {r['seconds']:.1f} | "
                       f"{r['seconds'] / max(1, r.get('glyphs', 1)):.3f} | {_stage_cells(r)} |")
        for k, r in sc["counts"].items():
            out.append(f"| {k} alphabet(s), 600 dpi | 117 | {r.get('glyphs', 0)} | {r['seconds']:.1f} | "
                       f"{r['seconds'] / max(1, r.get('glyphs', 1)):.3f} | {_stage_cells(r)} |")
        out.append("")
    return "\n".join(out)


@click.command()
@click.option("--quick", is_flag=True, help="3 fonts, mild pages only, fewer sizes; no real scans.")
@click.option("--real-dir", default=None, help="Real scans (default: ../shared/data/real beside the checkout).")
@click.option("--no-ray", is_flag=True, help="Skip the Ray batch.")
@click.option("--glyphseg-src", default=None, help="Time the glyphseg of another checkout (its repository root).")
@click.option("--krause-sheets", default="1,2,3,4", show_default=True, help="Krause sheets to time (×2).")
@click.option("-o", "--out", default=None, help="Markdown report (and .json beside it).")
def main(quick, real_dir, no_ray, glyphseg_src, krause_sheets, out):
    runner = Runner(glyphseg_src)
    fonts = [f for f in fonts_mod.SUITE if f.group == "text" and os.path.exists(f.path)][:3 if quick else 8]
    levels = ("mild",) if quick else ("clean", "mild", "harsh")
    res: Dict[str, object] = {"machine": {"cpus": os.cpu_count()}, "glyphseg_src": glyphseg_src or "installed"}
    with tempfile.TemporaryDirectory(prefix="glyphseg-throughput-") as work:
        pages_dir = os.path.join(work, "pages")
        os.makedirs(pages_dir)
        pages = make_pages(pages_dir, fonts, levels)
        print("pages:", file=sys.stderr)
        res["pages"] = run_pages(runner, pages, work)
        has_batch = runner.glyphseg("batch", "--help")["rc"] == 0
        if has_batch:
            mild = [p for p in pages if p.endswith("-mild.png")]
            res["batch"] = run_batches(runner, mild, work, ray=not no_ray)
        if not quick:
            res["real"] = run_real(runner, real_dir or real_mod.default_real_dir(), work,
                                   [int(k) for k in krause_sheets.split(",") if k])
        res["scaling"] = run_scaling(runner, work, quick)
    text = tables(res)
    print(text)
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(f"# Throughput ({'quick' if quick else 'full'}; glyphseg from {res['glyphseg_src']})\n\n"
                     f"Command: `python -m benchmarks.throughput {'--quick ' if quick else ''}-o {out}`; "
                     f"{os.cpu_count()} cores. See the module docstring for what is timed.\n\n" + text + "\n")
        with open(os.path.splitext(out)[0] + ".json", "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=1, default=str)


if __name__ == "__main__":
    main()
