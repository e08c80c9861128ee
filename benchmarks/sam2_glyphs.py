"""A trained SAM2 against the threshold backend, on the benchmark suite's fonts (none of them seen in training:
model/train.py renders only the template sources' families).

For every page (fonts × layouts × levels, rendered at test time so the truth is exact):
- **pipeline**: `glyphseg extract PAGE --text T` with `--segmenter threshold` and with `--segmenter sam2 --model
  CKPT`, scored like the main suite (outline IoU and mean boundary distance in em/1000 over matched glyphs) and
  timed (seconds per glyph of the segment stage, and of the whole run);
- **raw masks**: on the pipeline's own tile plan over the true boxes, the IoU with the true outline of (a) SAM2's
  best-ranked mask itself, on its 256² grid, and (b) the scan's thresholded ink inside the same box on the same
  grid — what a learned mask would have to beat before the pipeline could use it for more than choosing ink.

DIBCO 2011 PR1–4 (when `../shared/data/real/` holds them): page ink-mask F-measure, both segmenters.

    python -m benchmarks.sam2_glyphs --model OUT/checkpoint [--fonts a,b] [--levels clean,mild,harsh]
        [--layouts words,tight] [--pipeline-fonts 4] [--dtype fp32|bf16] [-o benchmarks/sam2_glyphs.md]
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import zlib
from typing import Dict, List, Optional

import click
import numpy as np

from glyphseg.specimen import degrade, render_specimen, save_png

from . import fonts as fonts_mod
from .own_spacing import LAYOUTS
from .suite import run_glyphseg

SEGMENTERS = ("threshold", "sam2", "sam2-model")
# the first four (three text faces and a script) also run through the whole pipeline (--pipeline-fonts)
DEFAULT_FONTS = ["dejavu-serif", "liberation-sans", "go-mono", "dancing-script", "vollkorn", "cantarell", "roboto-slab",
                 "league-spartan"]


def _train_module():
    import importlib.util
    import sys

    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "model", "train.py")
    spec = importlib.util.spec_from_file_location("glyphseg_train", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _extracted(run: dict) -> dict:
    """`suite.run_glyphseg`'s result, with `seconds`: the extraction alone (export left out); an error raises."""
    if "error" in run:
        raise RuntimeError(run["error"])
    return {**run, "seconds": run["total_s"] - run["timings"]["export_s"]}


def pipeline_scores(spec, font, segmenter: str, model: str, dtype: str, work: str) -> Dict[str, float]:
    """`segmenter`: threshold, sam2 (SAM2 picks the ink, the scan's edge) or sam2-model (SAM2's own mask)."""
    from glyphseg.sam2 import Sam2Segmenter

    from .scoring import Contract, TruthPage, score_contract

    os.makedirs(work, exist_ok=True)
    png = os.path.join(work, "page.png")
    save_png(spec, png)
    backend = Sam2Segmenter(model, dtype=dtype, edge="model") if segmenter == "sam2-model" else None
    run = _extracted(run_glyphseg(png, os.path.join(work, "out"), spec.text,
                                  "threshold" if segmenter == "threshold" else "sam2", font.family, dpi=spec.dpi,
                                  jobs=1, model=model, dtype=dtype, backend=backend))
    score = score_contract(Contract.read(os.path.join(work, "out")), TruthPage(spec), compile_ufo=False)
    return {"iou": score["outlines"]["iou_mean"], "dist": score["outlines"]["dist_mean"],
            "f1": score["detection"]["f1"], "seconds": run["seconds"],
            "segment_s_per_glyph": run["timings"]["segment_s"] / max(1, run["glyphs"])}


def raw_mask_scores(tr, model, spec) -> Dict[str, float]:
    """IoU with the true outline on SAM2's 256² grid: SAM2's best-ranked mask, and the thresholded scan ink in
    the box (Otsu over the page, each 4×4 block of the tile counted as ink when half its pixels are)."""
    import cv2
    import torch
    from fontTools.ttLib import TTFont

    from glyphseg.sam2 import preprocess_tile

    tiles = tr.page_tiles(spec, TTFont(spec.font_path).getGlyphSet())
    level, _ = cv2.threshold(spec.image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    sam, ink = [], []
    model.eval()
    with torch.inference_mode():
        for t in tiles:
            logits, pred_iou = tr.predict(model, model.get_image_embeddings(preprocess_tile(t.image)), t.boxes[None])
            pick = pred_iou[0].argmax(dim=-1)
            masks = logits[0]
            dark = (t.image[:, :, 0] <= level).reshape(256, 4, 256, 4).mean(axis=(1, 3)) >= 0.5
            for n, box in enumerate(t.boxes):
                truth = t.targets[n].astype(np.float32) >= 0.5
                pred = masks[n, int(pick[n])].numpy() > 0
                inbox = np.zeros_like(dark)
                x0, y0 = max(int(np.floor(box[0] / 4)), 0), max(int(np.floor(box[1] / 4)), 0)
                inbox[y0:int(np.ceil(box[3] / 4)), x0:int(np.ceil(box[2] / 4))] = True
                for store, m in ((sam, pred), (ink, dark & inbox)):
                    union = (m | truth).sum()
                    store.append((m & truth).sum() / union if union else 1.0)
    return {"sam2_mask_iou": float(np.mean(sam)), "ink_mask_iou": float(np.mean(ink)), "glyphs": len(sam)}


def dibco_scores(segmenter: str, model: str, dtype: str, workroot: str) -> List[dict]:
    from . import real as real_mod
    from .scoring import Contract, mask_scores

    rows = []
    for name, image, gt in real_mod.dibco_cases(real_mod.default_real_dir()):
        work = os.path.join(workroot, f"dibco-{name}-{segmenter}")
        run = _extracted(run_glyphseg(image, work, None, segmenter, dpi=real_mod.DIBCO_DPI, jobs=1, model=model,
                                      dtype=dtype))
        rows.append({"image": name, "segmenter": segmenter, "seconds": run["total_s"],
                     **mask_scores(Contract.read(work).masks[0], real_mod.load_gt_ink(gt))})
    return rows


def kant_scores(model: str, dtype: str, workroot: str) -> Optional[dict]:
    """Kant 1784 p.17 with its transcript, both segmenters: seconds, seconds per glyph of the segment stage, and
    how far SAM2's page ink mask departs from the threshold backend's (F-measure of one against the other; the
    page has glyph boxes but no pixel ground truth)."""
    from . import real as real_mod
    from .scoring import Contract, mask_scores

    paths = real_mod.kant_paths(real_mod.default_real_dir())
    if not paths:
        return None
    tif, xml = paths
    text = "".join(g.text for g in real_mod.read_page_glyphs(xml))
    out: Dict[str, object] = {}
    masks = {}
    for seg in ("threshold", "sam2"):
        work = os.path.join(workroot, f"kant-{seg}")
        run = _extracted(run_glyphseg(tif, work, text, seg, jobs=1, model=model, dtype=dtype))
        out[f"{seg}_seconds"] = run["seconds"]
        out[f"{seg}_segment_s_per_glyph"] = run["timings"]["segment_s"] / max(1, run["glyphs"])
        masks[seg] = Contract.read(work).masks[0]
        out["glyphs"] = run["glyphs"]
    out["sam2_vs_threshold_fm"] = mask_scores(masks["sam2"], masks["threshold"])["fm"]
    return out


@click.command(help="A trained SAM2 (model/train.py) against the threshold backend on the benchmark suite's fonts: "
               "outline IoU and distance through the pipeline, raw mask IoU, DIBCO page F-measure, seconds per glyph.")
@click.option("--model", "model_path", required=True, help="SAM2 checkpoint folder (model/train.py's OUT/checkpoint).")
@click.option("--fonts", default=",".join(DEFAULT_FONTS), show_default=True)
@click.option("--levels", default="clean,mild,harsh", show_default=True)
@click.option("--layouts", default="words,tight", show_default=True)
@click.option("--dtype", type=click.Choice(["fp32", "bf16"]), default="fp32", show_default=True,
              help="SAM2 precision in the pipeline runs (the committed table is bf16).")
@click.option("--pipeline-fonts", default=4, show_default=True,
              help="Run the whole pipeline (both segmenters) on the first N fonts only; raw masks on all.")
@click.option("--no-kant", is_flag=True, help="Skip Kant 1784 p.17 (read from ../shared/data/real/ when there).")
@click.option("--no-dibco", is_flag=True, help="Skip DIBCO 2011 PR1-4 (read from ../shared/data/real/ when there).")
@click.option("-o", "--out", default=os.path.join(os.path.dirname(__file__), "sam2_glyphs.md"), show_default=True)
def main(model_path, fonts, levels, layouts, dtype, pipeline_fonts, no_kant, no_dibco, out):
    from glyphseg.sam2 import load_model

    tr = _train_module()
    model = load_model(model_path, "cpu", "fp32")
    by_id = {f.id: f for f in fonts_mod.SUITE}
    chosen = [by_id[i] for i in fonts.split(",") if i in by_id and os.path.exists(by_id[i].path)]
    work = tempfile.mkdtemp(prefix="sam2-glyphs-")
    rows = []
    try:
        for fi, font in enumerate(chosen):
            for layout in layouts.split(","):
                lines, tracking = LAYOUTS[layout]
                for level in levels.split(","):
                    seed = zlib.crc32(f"{font.id}/{layout}/{level}".encode()) % 2 ** 31
                    spec = degrade(render_specimen(font.path, lines=lines, dpi=600, size_pt=14, tracking_em=tracking),
                                   level, seed=seed)
                    row = {"font": font.id, "group": font.group, "layout": layout, "level": level}
                    for seg in SEGMENTERS if fi < pipeline_fonts else ():
                        s = pipeline_scores(spec, font, seg, model_path, dtype, os.path.join(work, f"{font.id}-{seg}"))
                        row.update({f"{seg}_{k}": v for k, v in s.items()})
                    row.update(raw_mask_scores(tr, model, spec))
                    rows.append(row)
                    print(json.dumps(row), flush=True)
        dibco = [] if no_dibco else [r for seg in ("threshold", "sam2")
                                     for r in dibco_scores(seg, model_path, dtype, work)]
        kant = None if no_kant else kant_scores(model_path, dtype, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_report(rows, dibco, model_path, dtype, out, kant)


def write_report(rows: List[dict], dibco: List[dict], model_path: str, dtype: str, out: str,
                 kant: Optional[dict] = None) -> None:
    keys = ["threshold_iou", "sam2_iou", "sam2-model_iou", "threshold_dist", "sam2_dist", "sam2-model_dist",
            "sam2_mask_iou", "ink_mask_iou", "threshold_segment_s_per_glyph", "sam2_segment_s_per_glyph"]
    lines = ["# SAM2 trained here against the threshold backend", "",
             f"Checkpoint `{model_path}`, {dtype} on CPU. `python -m benchmarks.sam2_glyphs` (see its docstring). "
             "Fonts: the benchmark suite's, none seen in training. IoU and distance (em/1000) are the pipeline's "
             "outlines against the true outlines; the mask columns are the raw masks on SAM2's 256² grid.", "",
             "| group | layout | level | pages (pipeline / masks) | " + " | ".join(keys) + " |",
             "|---|---|---|---|" + "---|" * len(keys)]
    groups = sorted({(r["group"], r["layout"], r["level"]) for r in rows},
                    key=lambda k: (k[0] != "text", k[1], ["clean", "mild", "harsh"].index(k[2])))
    for g in groups:
        sel = [r for r in rows if (r["group"], r["layout"], r["level"]) == g]
        vals = [float(np.nanmean([r.get(k, np.nan) for r in sel])) for k in keys]
        piped = sum("threshold_iou" in r for r in sel)
        lines.append(f"| {g[0]} | {g[1]} | {g[2]} | {piped} / {len(sel)} | " + " | ".join(f"{v:.4f}" for v in vals)
                     + " |")
    if dibco:
        lines += ["", "DIBCO 2011 printed pages, page ink mask:", "", "| image | segmenter | F-measure | seconds |",
                  "|---|---|---|---|"]
        lines += [f"| {r['image']} | {r['segmenter']} | {r['fm']:.4f} | {r['seconds']:.1f} |" for r in dibco]
    if kant:
        lines += ["", "Kant 1784 p.17 with its transcript (no pixel ground truth):", "",
                  f"- glyphs {kant['glyphs']}; seconds: threshold {kant['threshold_seconds']:.1f}, SAM2 "
                  f"{kant['sam2_seconds']:.1f}; segment stage per glyph: threshold "
                  f"{kant['threshold_segment_s_per_glyph']:.4f} s, SAM2 {kant['sam2_segment_s_per_glyph']:.4f} s;",
                  "- SAM2's page ink mask against the threshold backend's: F-measure "
                  f"{kant['sam2_vs_threshold_fm']:.4f}."]
    lines += ["", "Per page:", "", "```"] + [json.dumps(r) for r in rows] + ["```", ""]
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print("\n".join(lines[:len(groups) + 6]))


if __name__ == "__main__":
    main()
