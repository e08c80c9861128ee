"""SAM2 segmenter speed on this machine: seconds per glyph, one tile per glyph vs packed tiles, fp32 vs bf16.

The hiera-tiny architecture with random weights (model/make_tiny_sam2.py): the same compute as the real
facebook/sam2.1-hiera-tiny checkpoint, which cannot be downloaded here. Masks from random weights are
meaningless; only the time is measured.

    python -m benchmarks.sam2_speed [--lines 2] [--out benchmarks/sam2_speed.md]
"""
import argparse
import importlib.util
import os
import platform
import tempfile
import time

from glyphseg.detect import detect
from glyphseg.specimen import DEFAULT_LINES, render_specimen
from glyphseg.types import Page

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"

CONFIGS = [  # (label, pack, min_glyph_px, dtype)
    ("one tile per glyph", False, 256, "fp32"),
    ("one tile per glyph", False, 256, "bf16"),
    ("packed, ≥256 px per glyph", True, 256, "bf16"),
    ("packed, ≥128 px per glyph", True, 128, "fp32"),
    ("packed, ≥128 px per glyph", True, 128, "bf16"),
    ("packed, ≥96 px per glyph", True, 96, "bf16"),
]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=2, help="specimen lines to segment (13 glyphs each)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "sam2_speed.md"))
    ap.add_argument("--tile-batches", default=None,
                    help="tiles per encoder pass to measure, e.g. 1,2,4,8,16,32 (default: that on cuda, 1,2,4 on cpu)")
    args = ap.parse_args(argv)

    from glyphseg import sam2

    spec = importlib.util.spec_from_file_location("make_tiny_sam2", os.path.join(ROOT, "model", "make_tiny_sam2.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    ckpt = mod.make_tiny_sam2(os.path.join(tempfile.mkdtemp(), "hiera-tiny"), architecture="hiera-tiny")

    sp = render_specimen(FONT, lines=DEFAULT_LINES[:args.lines])
    page = Page(0, "speed", 600, sp.image)
    det = detect(page)
    n = len(det.glyphs)
    rows = []
    for label, pack, min_px, dtype in CONFIGS:
        seg = sam2.Sam2Segmenter(model=ckpt, device=args.device, dtype=dtype, pack=pack, min_glyph_px=min_px,
                                 refine=False)
        seg.segment_page(page, det.ink, det.glyphs[:2])  # warm-up: load, oneDNN primitives
        t = time.perf_counter()
        seg.segment_page(page, det.ink, det.glyphs)
        dt = time.perf_counter() - t
        tiles = len(sam2.plan_glyph_tiles(det.glyphs, page.image.shape, pack=pack, min_glyph_px=min_px)) \
            if hasattr(sam2, "plan_glyph_tiles") else None
        rows.append((label, dtype, tiles, dt, dt / n))
        print(f"{label:28s} {dtype:5s} tiles {tiles}  {dt:6.1f} s  {dt / n:.3f} s/glyph", flush=True)
    batch_rows = []
    sizes = [int(s) for s in (args.tile_batches or ("1,2,4,8,16,32" if args.device.startswith("cuda") else "1,2,4"))
             .split(",")]
    for size in sizes:  # one tile per glyph (unpacked), so a batch of k tiles is k glyphs per encoder pass
        seg = sam2.Sam2Segmenter(model=ckpt, device=args.device, dtype="auto", pack=False, refine=False,
                                 tile_batch=size)
        glyphs = (det.glyphs * (1 + max(sizes) // max(1, n)))[:max(size * 2, 8)]
        seg.segment_page(page, det.ink, glyphs[:size])  # warm-up at this batch size
        t = time.perf_counter()
        seg.segment_page(page, det.ink, glyphs)
        dt = time.perf_counter() - t
        batch_rows.append((size, len(glyphs), dt, len(glyphs) / dt))
        print(f"tile batch {size:3d}: {len(glyphs)} glyphs {dt:6.1f} s  {len(glyphs) / dt:.2f} glyphs/s", flush=True)
    lines = ["# SAM2 segmenter speed (hiera-tiny architecture, random weights)\n",
             f"Command: `python -m benchmarks.sam2_speed --lines {args.lines}` — {n} glyphs of DejaVu Serif 14 pt "
             f"at 600 dpi; machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
             f"torch on {args.device}. Mask refinement pass off (it runs only on unstable masks).\n",
             "| tiling | dtype | tiles | seconds | seconds per glyph |", "|---|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d:.1f} | {e:.3f} |" for a, b, c, d, e in rows]
    lines += ["", f"Tiles per encoder pass (one glyph per tile, dtype auto, {args.device}):", "",
              "| tiles per pass | glyphs | seconds | glyphs per second |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c:.1f} | {d:.2f} |" for a, b, c, d in batch_rows]
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
