"""Train a small SAM2 (transformers `Sam2Model`) from random weights on specimens rendered on the fly.

What it learns is what glyphseg asks of SAM2: given a 1024×1024 tile of a specimen page (the pipeline's own
tile plan: neighbouring glyphs of a line packed together, `glyphseg.tiles.plan_tiles`) and one glyph's box,
the glyph's exact ink — its true outline's area coverage, not the scan's ink, so that breaks in thin ink,
spread ink, show-through and specks all differ from the target and must be learnt.

Data (`TrainConfig`): fonts of the template sources' families (URW base35, EB Garamond, Open Sans, Lato, Courier
Prime; never the benchmark suite's fonts, which judge the result), alphabets with their letters shuffled and
sample words, set at drawn sizes, resolutions, tracking (tight to letterspaced) and leading, each page printed
clean, mild or harsh (`glyphseg.specimen.degrade`, whose ink spread or thinning, blur, noise, rotation,
show-through, specks and JPEG quality are themselves drawn from ranges). Box prompts are the true boxes with
jitter. Targets are 256×256 coverage maps on SAM2's low-res mask grid, rendered exactly from the outline.

Loss (SAM's recipe, simplified): per candidate mask binary cross-entropy plus dice against the coverage; the
best of the three multimask candidates is the one trained; the IoU head learns each candidate's true IoU
(mean squared error).

Everything is seeded; the run writes into OUT:
- `checkpoint/` — config.json + model.safetensors (the best validation IoU so far), loadable by
  `glyphseg --segmenter sam2 --model OUT/checkpoint`;
- `train_log.jsonl` — one line per logged step: loss, learning rate, seconds since the start, and validation IoU
  when measured; a line per rollback of the divergence guard;
- `train_config.json` — the configuration used; `summary.json` — steps, best validation IoU, seconds.

    python model/train.py OUT [--config model/train_config.json] [--steps N] [--threads N]

Validation pages come from the same font families with their own seeds: they watch the training, they do not
judge it — `benchmarks/sam2_glyphs.py` does, on the benchmark suite's fonts.
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import glob
import json
import math
import os
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if __package__ in (None, ""):  # run as a script from anywhere: glyphseg is the checkout beside this folder
    sys.path.insert(0, os.path.dirname(HERE))

from glyphseg.raster import glyph_coverage  # noqa: E402
from glyphseg.specimen import DEFAULT_LINES, Specimen, degrade, render_specimen  # noqa: E402
from glyphseg.tiles import (MARGIN_FRAC, MIN_GLYPH_PX, TILE_SIZE, Tile, box_to_tile, crop_to_tile,  # noqa: E402
                            plan_tiles)

LOW_RES = 256  # SAM2's mask grid over the 1024 tile: one cell is 4 × 4 tile px

# The template sources' families (templates/SOURCES.md), every style; symbol and dingbat fonts left out.
TEMPLATE_FAMILY_GLOBS = [
    "/usr/share/fonts/opentype/urw-base35/[CNPU]*.otf",
    "/usr/share/fonts/opentype/ebgaramond/EBGaramond*.otf",
    "/usr/share/fonts/truetype/open-sans/OpenSans-*.ttf",
    "/usr/share/fonts/truetype/lato/Lato-*.ttf",
    "/usr/share/fonts/opentype/courier-prime/Courier Prime*.otf",
]

# Sample words for training pages: none is one of the benchmark's sample words (benchmarks/own_spacing.py).
TRAIN_WORDS = (
    "Buchdruckerei Schriftgießerei Antiqua Kursiv Fraktur Grotesk Versalien Gemeine Ziffern Zeichen "
    "Typography Foundry Specimen Roman Italic Bold Condensed Extended Capitals Figures Ligatures Kerning "
    "imprimerie caractères gravure fonderie épreuve alphabet majuscules minuscules chiffres accents "
    "effluent offset raffle stuffing waffles difficult fluffy scaffold sniffle rifle flight offal "
    "minimum rhythm lymph nymph queen quartz jukebox vexing zephyr wizard oxygen mezzanine bazaar "
    "AVANT WAVY LYNX TOWN YEAR JOLT QUAY VOW AWAY LATTER KEYWAY FLAT TALLY "
    "Jahrgang Quittung Zeitschrift Wörterbuch Übung Äpfel Öffnung Straße 1922 1784 0123456789 "
    "fig. no. 12% & (a) [b] \"quoted\" it's; yes: no! why?"
).split()


@dataclass
class Architecture:
    """A Sam2Config sized for glyphs: Hiera trunk widths and depths, FPN/decoder width. The input stays
    1024×1024 (glyphseg's tiles) with SAM2's three feature levels (256², 128², 64²)."""

    trunk_dims: Tuple[int, int, int, int] = (24, 48, 96, 192)
    trunk_blocks: Tuple[int, int, int, int] = (1, 2, 3, 1)
    trunk_heads: Tuple[int, int, int, int] = (1, 1, 2, 4)
    global_blocks: Tuple[int, ...] = (5,)
    hidden: int = 64  # FPN, prompt encoder and mask decoder width (they must agree)
    decoder_mlp: int = 256
    decoder_heads: int = 4


@dataclass
class TrainConfig:
    seed: int = 0
    steps: int = 2000
    tiles_per_step: int = 2
    boxes_per_tile: int = 8
    lr: float = 1e-3
    min_lr: float = 2e-5
    warmup: int = 100
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    threads: int = 2
    device: str = "cpu"  # or "cuda": the same run, faster where a GPU is lent
    init_from: Optional[str] = None  # a checkpoint folder to start from (a second phase), else random weights
    # Divergence guard: a window of log_every steps whose mean loss exceeds diverge_factor × the best window (and
    # by more than 0.2) restores the last healthy snapshot (model and optimiser) and halves the learning rate.
    # Without it, runs here collapsed twice into "no mask anywhere" (loss 0.1 → 0.9, never recovering).
    diverge_factor: float = 3.0
    snapshot_every: int = 50
    log_every: int = 10
    val_every: int = 250
    val_pages: int = 4
    val_tiles: int = 16
    buffer_tiles: int = 48  # shuffle buffer: tiles of several pages mixed in each step
    font_globs: List[str] = field(default_factory=lambda: list(TEMPLATE_FAMILY_GLOBS))
    levels: Dict[str, float] = field(default_factory=lambda: {"clean": 0.3, "mild": 0.35, "harsh": 0.35})
    words_share: float = 0.6  # share of pages set as sample words; the rest are shuffled alphabets
    size_pt: Tuple[float, float] = (10.0, 24.0)
    dpi: Tuple[float, float] = (300.0, 600.0)
    tracking_em: Tuple[float, float] = (-0.06, 0.15)
    leading: Tuple[float, float] = (1.15, 1.7)
    line_count: Tuple[int, int] = (2, 4)
    box_jitter: float = 0.04  # sd of each box edge's shift, as a share of the box's longer side
    architecture: Architecture = field(default_factory=Architecture)

    @classmethod
    def from_json(cls, path: str) -> "TrainConfig":
        with open(path, encoding="utf-8") as f:
            try:
                d = json.load(f)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}: not JSON ({e})") from None
        arch_d = d.pop("architecture", {})
        for name, given, fields in (("", d, cls), ("architecture.", arch_d, Architecture)):
            unknown = sorted(set(given) - {f.name for f in dataclasses.fields(fields)})
            if unknown:
                raise ValueError(f"{path}: unknown settings {[name + k for k in unknown]}")
        arch = Architecture(**{k: tuple(v) if isinstance(v, list) else v for k, v in arch_d.items()})
        d = {k: tuple(v) if isinstance(v, list) and k not in ("font_globs",) else v for k, v in d.items()}
        return cls(architecture=arch, **d)

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def sam2_config(arch: Architecture):
    """transformers Sam2Config for `arch`, at glyphseg's 1024 px tile size."""
    from transformers import (Sam2Config, Sam2HieraDetConfig, Sam2MaskDecoderConfig, Sam2PromptEncoderConfig,
                              Sam2VisionConfig)

    dims = list(arch.trunk_dims)
    backbone = Sam2HieraDetConfig(
        hidden_size=dims[0], num_attention_heads=arch.trunk_heads[0], embed_dim_per_stage=dims,
        num_attention_heads_per_stage=list(arch.trunk_heads), blocks_per_stage=list(arch.trunk_blocks),
        global_attention_blocks=list(arch.global_blocks), window_size_per_stage=[8, 4, 14, 7],
        image_size=[TILE_SIZE, TILE_SIZE])
    vision = Sam2VisionConfig(backbone_config=backbone, backbone_channel_list=dims[::-1],
                              backbone_feature_sizes=[[256, 256], [128, 128], [64, 64]], fpn_hidden_size=arch.hidden,
                              fpn_top_down_levels=[2, 3], num_feature_levels=3)
    prompt = Sam2PromptEncoderConfig(hidden_size=arch.hidden, image_size=TILE_SIZE, patch_size=16,
                                     mask_input_channels=16)
    decoder = Sam2MaskDecoderConfig(hidden_size=arch.hidden, mlp_dim=arch.decoder_mlp, num_hidden_layers=2,
                                    num_attention_heads=arch.decoder_heads, iou_head_depth=3,
                                    iou_head_hidden_dim=arch.hidden, num_multimask_outputs=3)
    return Sam2Config(vision_config=vision, prompt_encoder_config=prompt, mask_decoder_config=decoder)


def training_fonts(globs: Sequence[str]) -> List[str]:
    fonts = sorted({p for g in globs for p in glob.glob(g)})
    if not fonts:
        raise SystemExit(f"no training fonts found under {list(globs)}; install fonts-urw-base35, fonts-ebgaramond, "
                         "fonts-open-sans, fonts-lato, fonts-courier-prime or set font_globs")
    return fonts


# ----------------------------------------------------------------------------------------------------------
# data: pages → tiles → (image, boxes, coverage targets)


@dataclass
class TileSample:
    """One tile of a rendered page: the tile's RGB image and, per glyph in it, its box in tile coordinates and
    its true coverage on the 256² low-res mask grid."""

    image: np.ndarray  # uint8 1024×1024×3
    boxes: np.ndarray  # float32 N×4, continuous tile coordinates (x0, y0, x1, y1)
    targets: np.ndarray  # float16 N×256×256, area coverage in [0, 1]


def page_lines(rng: random.Random, cfg: TrainConfig) -> List[str]:
    n = rng.randint(*cfg.line_count)
    if rng.random() < cfg.words_share:
        return [" ".join(rng.choice(TRAIN_WORDS) for _ in range(rng.randint(3, 5))) for _ in range(n)]
    chars = list("".join(DEFAULT_LINES).replace(" ", ""))
    rng.shuffle(chars)  # new neighbours for every letter, not the alphabet's fixed pairs
    per = math.ceil(len(chars) / n)
    return ["".join(chars[i:i + per]) for i in range(0, len(chars), per)]


def render_page(rng: random.Random, cfg: TrainConfig, fonts: Sequence[str]) -> Specimen:
    font = rng.choice(fonts)
    spec = render_specimen(font, lines=page_lines(rng, cfg), dpi=round(rng.uniform(*cfg.dpi)),
                           size_pt=rng.uniform(*cfg.size_pt), tracking_em=rng.uniform(*cfg.tracking_em),
                           leading=rng.uniform(*cfg.leading), margin_in=0.3)
    levels, weights = zip(*cfg.levels.items())
    return degrade(spec, rng.choices(levels, weights)[0], seed=rng.randrange(2 ** 31))


def grid_matrix(glyph_matrix: np.ndarray, tile: Tile) -> np.ndarray:
    """Font units → the tile's 256² mask grid: the glyph's font → page map, then page → tile / 4."""
    to_grid = np.vstack([tile.matrix * (LOW_RES / tile.size), [0.0, 0.0, 1.0]])
    return (to_grid @ np.vstack([glyph_matrix, [0.0, 0.0, 1.0]]))[:2]


def page_tiles(spec: Specimen, glyph_set) -> List[TileSample]:
    """The pipeline's tile plan over the page's true glyph boxes, each tile with its glyphs' targets."""
    glyphs = spec.glyphs
    tiles = plan_tiles([g.bbox for g in glyphs], spec.image.shape, ids=[str(i) for i in range(len(glyphs))],
                       lines=[g.line for g in glyphs], margin_frac=MARGIN_FRAC, pack=True,
                       min_glyph_px=MIN_GLYPH_PX)
    out = []
    for tile in tiles:
        members = [glyphs[int(i)] for i in tile.glyph_ids]
        boxes = np.stack([box_to_tile(g.bbox, tile) for g in members]).astype(np.float32)
        targets = np.stack([glyph_coverage(glyph_set[g.glyph_name], grid_matrix(g.matrix, tile),
                                           (0, 0, LOW_RES, LOW_RES), glyph_set) for g in members])
        out.append(TileSample(crop_to_tile(spec.image, tile), boxes, targets.astype(np.float16)))
    return out


def tile_stream(cfg: TrainConfig, fonts: Sequence[str], seed: int) -> Iterator[TileSample]:
    """Endless tiles from freshly rendered pages, mixed through a shuffle buffer."""
    from fontTools.ttLib import TTFont

    rng = random.Random(seed)
    glyph_sets: Dict[str, object] = {}
    buffer: List[TileSample] = []
    while True:
        while len(buffer) < cfg.buffer_tiles:
            spec = render_page(rng, cfg, fonts)
            if spec.font_path not in glyph_sets:
                glyph_sets[spec.font_path] = TTFont(spec.font_path).getGlyphSet()
            buffer.extend(page_tiles(spec, glyph_sets[spec.font_path]))
        yield buffer.pop(rng.randrange(len(buffer)))


def jitter_boxes(boxes: np.ndarray, rng: np.random.Generator, share: float) -> np.ndarray:
    """Detection's boxes are the scan's ink, not the outline's: move each edge by a drawn amount."""
    size = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])[:, None]
    moved = boxes + rng.normal(0.0, share, boxes.shape) * size
    x0, x1 = np.minimum(moved[:, 0], moved[:, 2] - 1), np.maximum(moved[:, 2], moved[:, 0] + 1)
    y0, y1 = np.minimum(moved[:, 1], moved[:, 3] - 1), np.maximum(moved[:, 3], moved[:, 1] + 1)
    return np.stack([x0, y0, x1, y1], axis=1).astype(np.float32)


def make_batch(samples: Sequence[TileSample], n_boxes: int, rng: np.random.Generator, jitter: float):
    """One step's data: pixel values B×3×1024², boxes B×n×4 (continuous tile coordinates, numpy) and targets
    B×n×256². Each tile's glyphs are drawn to exactly n (with repeats when it has fewer)."""
    import torch

    from glyphseg.sam2 import preprocess_tile

    pix, boxes, targets = [], [], []
    for s in samples:
        pick = rng.choice(len(s.boxes), size=n_boxes, replace=len(s.boxes) < n_boxes)
        pix.append(preprocess_tile(s.image))
        boxes.append(s.boxes[pick] if jitter <= 0 else jitter_boxes(s.boxes[pick], rng, jitter))
        targets.append(torch.from_numpy(s.targets[pick].astype(np.float32)))
    return torch.cat(pix), np.stack(boxes), torch.stack(targets)


# ----------------------------------------------------------------------------------------------------------
# model, loss, validation


def build_model(cfg: TrainConfig, seed: Optional[int] = None):
    import torch
    from transformers import Sam2Model

    from glyphseg.sam2 import BOX_MASK_KEY

    torch.manual_seed(cfg.seed if seed is None else seed)
    config = sam2_config(cfg.architecture)
    setattr(config, BOX_MASK_KEY, True)  # saved in config.json: glyphseg's runner gives each box as a mask prompt
    return Sam2Model(config)


def mask_losses(logits, target):
    """Per candidate mask: BCE + dice against the soft coverage, and the candidates' true IoUs.
    logits B×N×K×H×W, target B×N×H×W → (loss B×N×K, iou B×N×K)."""
    import torch
    import torch.nn.functional as F

    t = target.unsqueeze(2).expand_as(logits)
    bce = F.binary_cross_entropy_with_logits(logits, t, reduction="none").mean(dim=(-1, -2))
    p = torch.sigmoid(logits)
    dice = 1.0 - (2.0 * (p * t).sum(dim=(-1, -2)) + 1.0) / (p.sum(dim=(-1, -2)) + t.sum(dim=(-1, -2)) + 1.0)
    with torch.no_grad():
        pm, tm = logits > 0, t >= 0.5
        inter = (pm & tm).sum(dim=(-1, -2)).float()
        union = (pm | tm).sum(dim=(-1, -2)).float()
        iou = torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union))
    return bce + dice, iou


def embed_with_grad(model, pixel_values) -> list:
    """`Sam2Model.get_image_embeddings` without its no_grad wrapper: the encoder trains too."""
    return model.get_image_embeddings.__wrapped__(model, pixel_values)


def predict(model, embeddings: list, boxes: np.ndarray):
    """Masks and predicted IoUs for B tiles × n boxes: logits B×n×K×256², IoU B×n×K (glyphseg.sam2.decode_boxes
    per tile: each box is also the tile's dense mask prompt)."""
    import torch

    from glyphseg.sam2 import decode_boxes

    outs = [decode_boxes(model, [e[b:b + 1] for e in embeddings], boxes[b]) for b in range(len(boxes))]
    return (torch.stack([o.pred_masks[:, 0] for o in outs]).float(),
            torch.stack([o.iou_scores[:, 0] for o in outs]).float())


def step_loss(model, pixel_values, boxes, target):
    device = next(model.parameters()).device
    pixel_values, target = pixel_values.to(device), target.to(device)
    logits, pred_iou = predict(model, embed_with_grad(model, pixel_values), boxes)
    per_mask, iou = mask_losses(logits, target)
    best = per_mask.min(dim=-1).values.mean()
    iou_loss = ((pred_iou - iou) ** 2).mean()
    return best + iou_loss, float(best.detach()), float(iou_loss.detach())


def validation_iou(model, val: Sequence[TileSample]) -> float:
    """Mean IoU over the validation glyphs of the candidate SAM2 itself ranks best (as the pipeline would
    see it before its own ink checks)."""
    import torch

    from glyphseg.sam2 import preprocess_tile

    model.eval()
    ious = []
    with torch.inference_mode():
        for s in val:
            # every glyph once, unjittered
            device = next(model.parameters()).device
            logits, pred_iou = predict(model, model.get_image_embeddings(preprocess_tile(s.image).to(device)),
                                       s.boxes[None])
            _, iou = mask_losses(logits, torch.from_numpy(s.targets.astype(np.float32))[None].to(device))
            pick = pred_iou.argmax(dim=-1, keepdim=True)
            ious.extend(iou.gather(-1, pick).flatten().tolist())
    model.train()
    return float(np.mean(ious)) if ious else float("nan")


# ----------------------------------------------------------------------------------------------------------
# training


def lr_at(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.min_lr + 0.5 * (cfg.lr - cfg.min_lr) * (1.0 + math.cos(math.pi * min(t, 1.0)))


def train(cfg: TrainConfig, out: str, progress=print) -> dict:
    """Train, keep the best validation checkpoint in OUT/checkpoint, log to OUT/train_log.jsonl.
    Returns a summary (steps, best validation IoU and its step, seconds, parameter count)."""
    import logging

    import torch

    import transformers

    logging.getLogger("fontTools").setLevel(logging.ERROR)  # fonts' odd 'created' dates are no concern here
    transformers.utils.logging.disable_progress_bar()  # save_pretrained's bar would break the log lines
    torch.set_num_threads(max(1, cfg.threads))
    if cfg.init_from and not os.path.isfile(os.path.join(cfg.init_from, "model.safetensors")):
        raise ValueError(f"init_from {cfg.init_from}: no model.safetensors there (a relative path is read from the "
                         "current folder)")
    np_rng = np.random.default_rng(cfg.seed)
    fonts = training_fonts(cfg.font_globs)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "train_config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg.to_json(), f, indent=1)
    val_stream = tile_stream(cfg, fonts, seed=cfg.seed + 10_000)  # validation pages: a seed stream of their own
    val = [next(val_stream) for _ in range(cfg.val_tiles)] if cfg.val_tiles else []
    stream = tile_stream(cfg, fonts, seed=cfg.seed)
    model = build_model(cfg)
    if cfg.init_from:
        from safetensors.torch import load_file

        model.load_state_dict(load_file(os.path.join(cfg.init_from, "model.safetensors")))
    model = model.to(cfg.device)
    model.train()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    best = (-1.0, -1)
    lr_scale, best_window, rollbacks = 1.0, math.inf, 0
    snapshot = (copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict()))
    t_start = time.time()
    log = open(os.path.join(out, "train_log.jsonl"), "w", encoding="utf-8")
    losses: List[float] = []
    try:
        for step in range(cfg.steps):
            for group in opt.param_groups:
                group["lr"] = lr_at(step, cfg) * lr_scale
            pix, boxes, target = make_batch([next(stream) for _ in range(cfg.tiles_per_step)], cfg.boxes_per_tile,
                                            np_rng, cfg.box_jitter)
            loss, mask_loss, iou_loss = step_loss(model, pix, boxes, target)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            losses.append(float(loss.detach()))
            last = step == cfg.steps - 1
            if (step + 1) % cfg.log_every == 0:
                window = float(np.mean(losses[-cfg.log_every:]))
                if window > cfg.diverge_factor * best_window and window - best_window > 0.2:
                    model.load_state_dict(snapshot[0])
                    opt.load_state_dict(snapshot[1])
                    lr_scale, rollbacks = 0.5 * lr_scale, rollbacks + 1
                    log.write(json.dumps({"step": step, "rollback": rollbacks, "window_loss": window,
                                          "best_window_loss": best_window, "lr_scale": lr_scale}) + "\n")
                    progress(f"step={step} loss window {window:.3f} against best {best_window:.3f}: rolled back, "
                             f"learning rate × {lr_scale:g}")
                else:
                    best_window = min(best_window, window)
                    if (step + 1) % cfg.snapshot_every == 0 and window <= 1.5 * best_window:
                        snapshot = (copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict()))
            record = None
            base = {"step": step, "loss": float(np.mean(losses[-cfg.log_every:])), "lr": lr_at(step, cfg) * lr_scale,
                    "seconds": round(time.time() - t_start, 1)}
            if step % cfg.log_every == 0 or last:
                record = {**base, "mask_loss": mask_loss, "iou_loss": iou_loss}
            if val and ((step + 1) % cfg.val_every == 0 or last):
                record = record or base
                record["val_iou"] = validation_iou(model, val)
                if record["val_iou"] > best[0]:
                    best = (record["val_iou"], step)
                    model.save_pretrained(os.path.join(out, "checkpoint"))
            if record:
                log.write(json.dumps(record) + "\n")
                log.flush()
                progress(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()))
    finally:
        log.close()
    if not val:
        model.save_pretrained(os.path.join(out, "checkpoint"))
    summary = {"steps": cfg.steps, "parameters": params, "rollbacks": rollbacks, "best_val_iou": best[0],
               "best_step": best[1],
               "seconds": round(time.time() - t_start, 1), "fonts": len(fonts),
               "first_loss": losses[0] if losses else None, "last_loss": float(np.mean(losses[-cfg.log_every:]))}
    with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
    return summary


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Writes OUT/checkpoint/, OUT/train_log.jsonl, OUT/train_config.json and "
                                        "OUT/summary.json.")
    ap.add_argument("out", help="folder for the checkpoint, the log and the configuration used")
    ap.add_argument("--config", default=os.path.join(HERE, "train_config.json"),
                    help="JSON settings (TrainConfig's fields; unknown keys are refused); default: %(default)s")
    ap.add_argument("--steps", type=int, help="override the configuration's step count")
    ap.add_argument("--threads", type=int, help="override the configuration's torch thread count")
    ap.add_argument("--device", help="override the configuration's device (cpu, cuda)")
    args = ap.parse_args(argv)
    try:
        cfg = TrainConfig.from_json(args.config)
    except (OSError, ValueError, TypeError) as e:
        print(f"train.py: {e}", file=sys.stderr)
        raise SystemExit(2)
    if args.steps is not None:
        cfg.steps = args.steps
    if args.threads is not None:
        cfg.threads = args.threads
    if args.device:
        cfg.device = args.device
    try:
        summary = train(cfg, args.out)
    except ValueError as e:  # a setting that only shows when used (init_from)
        print(f"train.py: {e}", file=sys.stderr)
        raise SystemExit(2)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
