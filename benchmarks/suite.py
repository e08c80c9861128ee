"""The benchmark: one command, every number, glyphseg and the usual tools on the same inputs in the same run.

    python -m benchmarks            # full suite: 20 fonts × clean/mild/harsh, real scans → benchmarks/RESULTS.md
    python -m benchmarks --quick    # 3 fonts, clean, real scans → benchmarks/out/
    python -m benchmarks --help     # every option (benchmarks/cli.py)

For every specimen page: render it from the font at 600 dpi with exact ground truth, degrade it (seeded),
save it as PNG, run glyphseg on the PNG exactly as `glyphseg extract PAGE.png -o OUT --segmenter threshold
[--text …]` does (in-process: the CLI's own functions, report included), then score only what was written
(glyphs.json, the UFO, masks/). The baselines run on the same PNG and, for potrace, on the same glyph masks.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
from glyphseg.geometry import drawing_to_shape
from glyphseg.score import prf

from . import baselines as bl
from . import fonts as fonts_mod
from . import real as real_mod
from .scoring import (CURVE_STEPS, Contract, OutlineScore, TruthPage, detection_score, mask_scores, on_curve_count,
                      score_contract, summarize_outlines)

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
DPI = 600
SIZE_PT = 14


@dataclass
class BenchConfig:
    quick: bool = False
    fonts: Optional[List[str]] = None
    levels: Optional[List[str]] = None
    seed: int = 0
    jobs: int = 1
    segmenter: str = "threshold"
    real: bool = True
    real_dir: Optional[str] = None
    baselines: bool = True
    out: Optional[str] = None
    keep: Optional[str] = None  # keep every extraction folder under this path
    command: str = "python -m benchmarks"
    quiet: bool = False
    install_apt: bool = False  # apt-get install what is missing (benchmarks/requirements-apt.txt)

    @property
    def glyphseg_jobs(self) -> Optional[int]:
        """glyphseg's own --jobs: all cores when pages run one at a time, one when they run side by side."""
        return 1 if self.jobs > 1 else None

    def resolved_levels(self) -> List[str]:
        if self.levels:
            return list(self.levels)
        return ["clean"] if self.quick else list(fonts_mod.LEVELS)

    def is_default_suite(self) -> bool:
        return not self.quick and not self.fonts and not self.levels and self.real and self.baselines \
            and self.seed == 0 and self.segmenter == "threshold"

    def out_dir(self) -> str:
        if self.out:
            return self.out
        return BENCH_DIR if self.is_default_suite() else os.path.join(BENCH_DIR, "out")


def page_seed(font_id: str, level: str, base: int) -> int:
    return (base * 1000003 + zlib.crc32(f"{font_id}/{level}".encode())) % (2 ** 31)


# ---------------------------------------------------------------------------------------------- glyphseg

def run_glyphseg(image_path: str, outdir: str, text: Optional[str], segmenter: str, family: str = "Specimen",
                 dpi: float = DPI, jobs: Optional[int] = None, model: Optional[str] = None, dtype: str = "auto",
                 backend=None) -> dict:
    """`glyphseg extract IMAGE -o OUTDIR --segmenter S -q [--text T] [--jobs J] [--model M --dtype D]`, in-process:
    the CLI's own calls (jobs None: all cores, as the CLI; 1 when the benchmark runs pages side by side).
    `backend`: a segmenter object to use instead of the one `segmenter` names (one the CLI cannot build)."""
    from glyphseg.export import export
    from glyphseg.pipeline import ExtractOptions, extract
    from glyphseg.types import GlyphsegError

    opt = ExtractOptions(dpi=dpi, text=text, segmenter=segmenter, family=family, jobs=jobs, model=model, dtype=dtype)
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        ex = extract([image_path], opt, segmenter=backend)
    except GlyphsegError as e:
        return {"error": str(e), "total_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}
    t1 = time.perf_counter()
    export(ex, outdir, force=True)
    t2, c2 = time.perf_counter(), time.process_time()
    timings = {k: float(v) for k, v in ex.timings.items() if isinstance(v, (int, float))}
    timings["export_s"] = t2 - t1
    return {"timings": timings, "total_s": t2 - t0, "cpu_s": c2 - c0, "glyphs": len(ex.glyphs),
            "masks": {g: (m.x0, m.y0, m.binary()) for g, m in ex.masks.items()}}


# ---------------------------------------------------------------------------------------------- one page

def run_specimen_page(font: fonts_mod.SuiteFont, level: str, cfg: BenchConfig, workroot: str) -> dict:
    from glyphseg.specimen import degrade, render_specimen, save_png

    t_start = time.perf_counter()
    seed = page_seed(font.id, level, cfg.seed)
    spec = degrade(render_specimen(font.path, dpi=DPI, size_pt=SIZE_PT), level, seed=seed)
    truth = TruthPage(spec)
    work = os.path.join(workroot, f"{font.id}-{level}")
    os.makedirs(work, exist_ok=True)
    image_path = os.path.join(work, "page.png")
    save_png(spec, image_path)
    res = {"font": font.id, "family": font.family, "kind": font.kind, "group": font.group, "level": level,
           "seed": seed, "n_true": len(truth), "size": [int(spec.image.shape[1]), int(spec.image.shape[0])],
           "text": spec.text}
    hists: Dict[str, OutlineScore] = {}
    masks_for_potrace = None
    pairs_text = None
    entries_text = None
    for mode in ("text", "notext"):
        outdir = os.path.join(work, f"glyphseg-{mode}")
        run = run_glyphseg(image_path, outdir, spec.text if mode == "text" else None, cfg.segmenter, font.family,
                           jobs=cfg.glyphseg_jobs)
        block = {"total_s": run["total_s"], "cpu_s": run["cpu_s"]}
        if "error" in run:
            block["error"] = run["error"]
            block["detection"] = detection_score([], [], truth.boxes, truth.chars)
            block["detection"].pop("_pairs")
            res[f"glyphseg_{mode}"] = block
            continue
        contract = Contract.read(outdir)
        score = score_contract(contract, truth, labels=True)  # without text: the template recognition
        hists[f"glyphseg_{mode}"] = score.pop("_hist")
        pairs = score.pop("_pairs")
        block.update(score)
        block["timings"] = run["timings"]
        block["n_glyphs"] = run["glyphs"]
        if mode != "text":
            block.pop("per_glyph", None)
        res[f"glyphseg_{mode}"] = block
        if mode == "text":
            # potrace is scored on the very glyphs glyphseg --text traced (same masks, same truth)
            traced = [pair for pair, pg in zip(pairs, block["per_glyph"]) if pg["d_mean"] is not None]
            masks_for_potrace, pairs_text, entries_text = run["masks"], traced, contract.glyphs(0)

    if cfg.baselines:
        gray = spec.image
        for name, (mask, secs) in bl.binarize_all(gray, DPI).items():
            res[name] = {**mask_scores(mask, truth.mask), "seconds": secs}
        if masks_for_potrace is not None:
            for setting, args in bl.POTRACE_SETTINGS.items():
                sc = OutlineScore()
                secs = 0.0
                for i, j in pairs_text:
                    x0, y0, m = masks_for_potrace[entries_text[i]["id"]]
                    r = bl.potrace_glyph(m, x0, y0, args, work)
                    secs += r.seconds
                    shape = drawing_to_shape(r, steps=CURVE_STEPS)
                    sc.add(truth.chars[j], (shape, on_curve_count(r)), truth, j)
                hists[f"potrace_{setting}"] = sc
                res[f"potrace_{setting}"] = {"outlines": sc.summary(), "seconds": secs, "traced": len(pairs_text),
                                             "args": " ".join(args) or "(defaults)"}
        boxes, secs = bl.tesseract_boxes(image_path, spec.image.shape[0], "eng", DPI,
                                         threads=1 if cfg.jobs > 1 else None)
        det = detection_score([b for _, b in boxes], [s for s, _ in boxes], truth.boxes, truth.chars)
        det.pop("_pairs")
        res["tesseract"] = {"detection": det, "seconds": secs, "lang": "eng"}
    res["page_s"] = time.perf_counter() - t_start
    if not cfg.keep:
        shutil.rmtree(work, ignore_errors=True)
    res["_hists"] = hists
    return res


# ---------------------------------------------------------------------------------------------- real scans

def run_dibco(name: str, image: str, gt: str, cfg: BenchConfig, workroot: str) -> dict:
    work = os.path.join(workroot, f"dibco-{name}")
    os.makedirs(work, exist_ok=True)
    gt_ink = real_mod.load_gt_ink(gt)
    res = {"image": name}
    run = run_glyphseg(image, os.path.join(work, "glyphseg"), None, cfg.segmenter, dpi=real_mod.DIBCO_DPI,
                           jobs=cfg.glyphseg_jobs)
    if "error" in run:
        res["glyphseg"] = {"error": run["error"], "fm": 0.0, "psnr": float("nan"), "total_s": run["total_s"]}
    else:
        c = Contract.read(os.path.join(work, "glyphseg"))
        res["glyphseg"] = {**mask_scores(c.masks[0], gt_ink), "total_s": run["total_s"], "cpu_s": run["cpu_s"],
                           "glyphs": run["glyphs"],
                           "timings": run["timings"]}
    if cfg.baselines:
        gray = real_mod.load_gray(image)
        for method, (mask, secs) in bl.binarize_all(gray, real_mod.DIBCO_DPI).items():
            res[method] = {**mask_scores(mask, gt_ink), "seconds": secs}
    if not cfg.keep:
        shutil.rmtree(work, ignore_errors=True)
    return res


def run_kant(tif: str, xml: str, cfg: BenchConfig, workroot: str) -> dict:
    work = os.path.join(workroot, "kant1784")
    os.makedirs(work, exist_ok=True)
    truth = real_mod.read_page_glyphs(xml)
    tboxes, tchars = [g.bbox for g in truth], [g.text for g in truth]
    text = "".join(tchars)
    single = [i for i, c in enumerate(tchars) if len(c) == 1]
    res = {"n_true": len(truth), "n_multi_codepoint": len(truth) - len(single), "text": text}

    def single_acc(pred_boxes, pred_chars):
        from glyphseg.score import match_boxes

        m = match_boxes(pred_boxes, tboxes)
        ok = sum(1 for i, j in m.pairs if len(tchars[j]) == 1 and pred_chars[i] == tchars[j])
        return ok / len(single) if single else float("nan")

    for mode in ("text",) if cfg.quick else ("text", "notext"):
        outdir = os.path.join(work, f"glyphseg-{mode}")
        run = run_glyphseg(tif, outdir, text if mode == "text" else None, cfg.segmenter, jobs=cfg.glyphseg_jobs)
        if "error" in run:
            det = detection_score([], [], tboxes, tchars)
            det.pop("_pairs")
            res[f"glyphseg_{mode}"] = {"error": run["error"], "detection": det, "total_s": run["total_s"]}
            continue
        c = Contract.read(outdir)
        entries = c.glyphs(0)
        boxes = [e["bbox"] for e in entries]
        chars = [e.get("char") if mode == "text" else None for e in entries]
        det = detection_score(boxes, chars, tboxes, tchars)
        det.pop("_pairs")
        det["label_acc_single"] = single_acc(boxes, chars)
        res[f"glyphseg_{mode}"] = {"detection": det, "total_s": run["total_s"], "cpu_s": run["cpu_s"],
                                   "timings": run["timings"],
                                   "n_glyphs": run["glyphs"]}
    if cfg.baselines:
        from PIL import Image

        height = Image.open(tif).size[1]
        langs = fonts_mod.tesseract_langs()
        for lang in [lg for lg in (("frk",) if cfg.quick else ("frk", "eng")) if lg in langs]:
            boxes, secs = bl.tesseract_boxes(tif, height, lang, None, threads=1 if cfg.jobs > 1 else None)
            pb, pc = [b for _, b in boxes], [s for s, _ in boxes]
            det = detection_score(pb, pc, tboxes, tchars)
            det.pop("_pairs")
            det["label_acc_single"] = single_acc(pb, pc)
            res[f"tesseract_{lang}"] = {"detection": det, "seconds": secs, "lang": lang}
    if not cfg.keep:
        shutil.rmtree(work, ignore_errors=True)
    return res


# ---------------------------------------------------------------------------------------------- machine

def machine_info() -> dict:
    from importlib import metadata

    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal"):
                    mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for pkg in ("glyphseg", "numpy", "scipy", "opencv-python-headless", "scikit-image", "shapely", "fonttools",
                "ufoLib2", "ufo2ft", "pypdfium2", "pillow"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    versions["potrace"] = bl.potrace_version()
    versions["tesseract"] = bl.tesseract_version()
    git = {}
    try:
        git["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_DIR, capture_output=True,
                                       text=True, timeout=10).stdout.strip()
        git["dirty"] = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_DIR,
                                           capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {"cpu": cpu, "cores": os.cpu_count(), "cores_usable": affinity, "memory_gib": mem,
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            "os": platform.platform(), "versions": versions, "git": git}


# ---------------------------------------------------------------------------------------------- aggregate

DET_METHODS = ("glyphseg_text", "glyphseg_notext", "tesseract")
OUTLINE_METHODS = ("glyphseg_text", "glyphseg_notext", "potrace_default", "potrace_text")
MASK_METHODS = ("glyphseg", "otsu", "sauvola")


def _nanmean(values) -> float:
    values = [v for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    return float(np.mean(values)) if values else float("nan")


def aggregate_pages(pages: Sequence[dict], hists: Sequence[Dict[str, OutlineScore]]) -> dict:
    out: dict = {"pages": len(pages), "true_glyphs": sum(p["n_true"] for p in pages)}
    for m in DET_METHODS:
        dets = [p[m]["detection"] for p in pages if m in p]
        if not dets:
            continue
        tp, fp, fn = (sum(d[k] for d in dets) for k in ("tp", "fp", "fn"))
        p_, r_, f_ = prf(tp, fp, fn)
        n_true = sum(d["n_true"] for d in dets)
        out.setdefault("detection", {})[m] = {
            "precision": p_, "recall": r_, "f1": f_, "tp": tp, "fp": fp, "fn": fn,
            "label_acc": sum(d["correct"] for d in dets) / n_true if n_true else float("nan"),
            "f1_min": min(d["f1"] for d in dets)}
    for m in OUTLINE_METHODS:
        scores = [h[m] for h in hists if m in h]
        if scores:
            out.setdefault("outlines", {})[m] = summarize_outlines(scores)
    masks = {"glyphseg": [p["glyphseg_text"]["mask"]["fm"] for p in pages if "mask" in p.get("glyphseg_text", {})],
             "otsu": [p["otsu"]["fm"] for p in pages if "otsu" in p],
             "sauvola": [p["sauvola"]["fm"] for p in pages if "sauvola" in p]}
    out["mask_fm"] = {k: _nanmean(v) for k, v in masks.items() if v}
    for mode in ("text", "notext"):
        key = f"glyphseg_{mode}"
        blocks = [p[key] for p in pages if key in p]
        ok = [b["ufo_compiles"] for b in blocks if "ufo_compiles" in b]
        out.setdefault("ufo_compiles", {})[key] = [sum(ok), len(blocks)]
        timed = [b for b in blocks if "timings" in b]
        if timed:
            stages = sorted({k for b in timed for k in b["timings"]})
            total = sum(b["total_s"] for b in timed)
            cpu = sum(b.get("cpu_s", 0.0) for b in timed)
            glyphs = sum(b.get("n_glyphs", 0) for b in timed)
            out.setdefault("speed", {})[key] = {
                "s_per_page": total / len(timed), "s_per_glyph": total / glyphs if glyphs else float("nan"),
                "cpu_s_per_page": cpu / len(timed),
                "stages_s_per_page": {s: sum(b["timings"].get(s, 0.0) for b in timed) / len(timed) for s in stages}}
    for m in ("potrace_default", "potrace_text"):
        blocks = [p[m] for p in pages if m in p]
        n = sum(b["traced"] for b in blocks)
        if blocks:
            out.setdefault("speed", {})[m] = {"s_per_glyph": sum(b["seconds"] for b in blocks) / n if n else None,
                                              "s_per_page": sum(b["seconds"] for b in blocks) / len(blocks)}
    for m in ("tesseract", "otsu", "sauvola"):
        blocks = [p[m] for p in pages if m in p]
        if blocks:
            out.setdefault("speed", {})[m] = {"s_per_page": sum(b["seconds"] for b in blocks) / len(blocks)}
    return out


def aggregate_real(dibco: Sequence[dict], kant: Optional[dict]) -> dict:
    out = {}
    if dibco:
        out["dibco_mean"] = {m: {"fm": _nanmean([d[m]["fm"] for d in dibco if m in d]),
                                 "psnr": _nanmean([d[m]["psnr"] for d in dibco if m in d])}
                             for m in MASK_METHODS if any(m in d for d in dibco)}
    return out


# ---------------------------------------------------------------------------------------------- run

def _job(args):
    kind, payload, cfg, workroot = args
    import warnings

    warnings.filterwarnings("ignore")
    try:
        if kind == "page":
            font, level = payload
            return kind, run_specimen_page(font, level, cfg, workroot)
        if kind == "dibco":
            return kind, run_dibco(*payload, cfg, workroot)
        return kind, run_kant(*payload, cfg, workroot)
    except Exception as e:  # noqa: BLE001 - one broken case must not lose the whole run
        import traceback

        what = f"{payload[0].id} {payload[1]}" if kind == "page" else f"{kind} {os.path.basename(payload[0])}"
        return "error", {"case": what, "error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}


def _page_line(r: dict) -> str:
    g = r.get("glyphseg_text", {})
    d = g.get("detection", {})
    o = g.get("outlines", {})
    t = r.get("tesseract", {}).get("detection", {})
    p = r.get("potrace_default", {}).get("outlines", {})
    err = f" ERROR {g['error']}" if "error" in g else ""
    return (f"{r['font']:<24} {r['level']:<5}  F1 {d.get('f1', 0):.3f} labels {d.get('label_acc', 0):.3f} "
            f"IoU {o.get('iou_mean', float('nan')):.4f} dist {o.get('dist_mean', float('nan')):5.2f}/"
            f"{o.get('dist_p95', float('nan')):5.2f} pts {o.get('points_ratio', float('nan')):.2f} | potrace dist "
            f"{p.get('dist_mean', float('nan')):5.2f} pts {p.get('points_ratio', float('nan')):.2f} | tesseract F1 "
            f"{t.get('f1', float('nan')):.3f} labels {t.get('label_acc', float('nan')):.3f}  "
            f"({r['page_s']:.1f} s){err}")


def run(cfg: BenchConfig) -> dict:
    """Run the benchmark, write results.json and RESULTS.md into cfg.out_dir(), return the results."""
    from .tables import write_markdown

    fonts = fonts_mod.select(cfg.fonts, cfg.quick)
    levels = cfg.resolved_levels()
    for lv in levels:
        if lv not in fonts_mod.LEVELS:
            raise ValueError(f"unknown level {lv!r} (clean, mild, harsh)")
    real_dir = cfg.real_dir or real_mod.default_real_dir()
    missing = fonts_mod.missing_requirements(fonts, cfg.baselines)
    if cfg.baselines and cfg.real and shutil.which("tesseract") and "frk" not in fonts_mod.tesseract_langs():
        missing.append(fonts_mod.TESSDATA["frk"])
    if missing and cfg.install_apt:
        print(f"benchmarks: apt-get install {' '.join(missing)}", file=sys.stderr, flush=True)
        fonts_mod.apt_install(missing)
        missing = fonts_mod.missing_requirements(fonts, cfg.baselines)
    if missing:
        raise RequirementsMissing(missing)

    def say(msg):
        if not cfg.quiet:
            print(msg, file=sys.stderr, flush=True)

    jobs = [("page", (f, lv), cfg) for lv in levels for f in fonts]
    dibco_cases, kant = [], None
    real_note = None
    if cfg.real:
        if not os.path.isdir(real_dir):
            real_note = f"real scans not found at {real_dir}: skipped"
            say(f"benchmarks: {real_note}")
        else:
            dibco_cases = real_mod.dibco_cases(real_dir)
            kant = real_mod.kant_paths(real_dir)
            jobs += [("dibco", c, cfg) for c in dibco_cases]
            if kant:
                jobs.append(("kant", kant, cfg))
    machine = machine_info()
    machine["loadavg_start"] = _loadavg()
    say(f"benchmarks: {len(fonts)} fonts × {len(levels)} level(s), {len(dibco_cases)} DIBCO image(s)"
        f"{', Kant 1784' if kant else ''}; {cfg.jobs} job(s); {machine['cpu']}")
    t0 = time.perf_counter()
    tmp_root = cfg.keep or tempfile.mkdtemp(prefix="glyphseg-bench-")
    os.makedirs(tmp_root, exist_ok=True)
    pages, hists, dibco, kant_res, errors = [], [], [], None, []
    try:
        args = [(kind, payload, c, tmp_root) for kind, payload, c in jobs]
        if cfg.jobs > 1:
            ex = ProcessPoolExecutor(max_workers=cfg.jobs)
            results = ex.map(_job, args)
        else:
            ex = None
            results = map(_job, args)
        for n, (kind, r) in enumerate(results, 1):
            if kind == "error":
                errors.append(r)
                say(f"[{n}/{len(jobs)}] ERROR in {r['case']}: {r['error']}")
            elif kind == "page":
                hists.append(r.pop("_hists"))
                pages.append(r)
                say(f"[{n}/{len(jobs)}] {_page_line(r)}")
            elif kind == "dibco":
                dibco.append(r)
                say(f"[{n}/{len(jobs)}] DIBCO {r['image']}: FM glyphseg {r['glyphseg']['fm']:.3f}"
                    + "".join(f" {m} {r[m]['fm']:.3f}" for m in ("otsu", "sauvola") if m in r))
            else:
                kant_res = r
                g = r.get("glyphseg_text", {}).get("detection", {})
                say(f"[{n}/{len(jobs)}] Kant 1784: glyphseg F1 {g.get('f1', 0):.3f} labels {g.get('label_acc', 0):.3f}")
        if ex is not None:
            ex.shutdown()
    finally:
        if not cfg.keep:
            shutil.rmtree(tmp_root, ignore_errors=True)
    wall = time.perf_counter() - t0
    machine["loadavg_end"] = _loadavg()

    summary = {}
    for group in ("text", "hard", "all"):
        for lv in levels + ["all"]:
            sel = [i for i, p in enumerate(pages) if (group == "all" or p["group"] == group)
                   and (lv == "all" or p["level"] == lv)]
            if sel:
                summary[f"{group}/{lv}"] = aggregate_pages([pages[i] for i in sel], [hists[i] for i in sel])
    results = {
        "version": 1,
        "command": cfg.command,
        "created": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "config": {**{k: v for k, v in asdict(cfg).items() if k not in ("quiet", "install_apt")}, "levels": levels,
                   "fonts": [f.id for f in fonts], "dpi": DPI, "size_pt": SIZE_PT, "real_dir": real_dir,
                   "sauvola_window_600dpi": bl.sauvola_window(DPI),
                   "sauvola_window_dibco": bl.sauvola_window(real_mod.DIBCO_DPI),
                   "potrace_settings": {k: " ".join(v) or "(defaults)" for k, v in bl.POTRACE_SETTINGS.items()}},
        "machine": machine,
        "wall_s": wall,
        "fonts": [asdict(f) for f in fonts],
        "summary": summary,
        "real": {"note": real_note, "dibco": dibco, "kant": kant_res, "summary": aggregate_real(dibco, kant_res)},
        "errors": errors,
        "pages": pages,
    }
    out_dir = cfg.out_dir()
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as fh:
        json.dump(_jsonable(results), fh, indent=1, ensure_ascii=False)
    write_markdown(results, os.path.join(out_dir, "RESULTS.md"))
    say(f"benchmarks: {len(pages)} page(s) in {wall / 60:.1f} min → {os.path.join(out_dir, 'RESULTS.md')}")
    return results


def _loadavg():
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


class RequirementsMissing(Exception):
    def __init__(self, packages):
        self.packages = list(dict.fromkeys(packages))
        super().__init__("missing Debian packages: " + " ".join(self.packages) +
                         f" (apt-get install -y {' '.join(self.packages)}, or run with --install-apt; "
                         "see benchmarks/requirements-apt.txt)")


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return None if (np.isnan(v) or np.isinf(v)) else round(v, 6)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x
