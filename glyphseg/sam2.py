"""SAM2 segmentation backend: box prompts on 1024×1024 tiles decide which ink belongs to each glyph.

Pipeline for one page:

1. `tiles.plan_glyph_tiles` packs neighbouring glyphs of a line into square page views magnified to fill a
   1024×1024 tile; `tiles.crop_to_tile` resamples them (one exact affine map each way).
2. Each tile is normalised by hand (ImageNet mean/std, NCHW) and embedded ONCE by the image encoder
   (`Sam2Model.get_image_embeddings`); every glyph box of the tile is then prompted against that cached
   embedding in a single batched mask-decoder call, three masks per box.
3. The 256×256 low-res logits are upsampled to 1024 (bilinear) and sampled back onto the page around the
   glyph. One of the three masks is chosen by `mask_choice_score` (predicted IoU, stability, agreement with
   the scan's ink); an unstable choice gets one refinement pass with itself as the mask prompt.
4. The mask that leaves the backend keeps SAM2's decision of WHICH ink belongs to the glyph and the scan's
   own edge for WHERE the boundary is: the ink components (InkMap.components) that SAM2's mask covers by a
   majority of their pixels become the glyph's members, and `segment.soft_mask_from_members` builds the
   soft mask from the illumination-normalised ink — the same edge the threshold backend has.

Checkpoints are read from a local folder or the local Hugging Face cache only; nothing here touches the
network (see `resolve_checkpoint`). Image and video checkpoints (model_type "sam2" / "sam2_video") both
load into transformers' `Sam2Model`: a video checkpoint stores the image model's weights under the same
names, plus memory modules that `Sam2Model` declares as ignorable on load.

Coordinates follow glyphseg's convention (pixel (r, c) covers [c, c+1) × [r, r+1)). SAM2's prompt encoder
adds 0.5 to every coordinate ("shift to pixel centre"): it takes pixel *indices*, so continuous tile
coordinates are passed as `t − 0.5`.
"""
from __future__ import annotations

import importlib.util
import json
import math
import os
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

# Importing this module fails (ImportError naming the package) without the `sam2` extra, so callers can fall
# back to the threshold backend. torch and transformers themselves are imported where used: together they
# take seconds, and finding out that no checkpoint is here must not wait for them.
for _pkg in ("torch", "transformers"):
    if importlib.util.find_spec(_pkg) is None:
        raise ModuleNotFoundError(f"No module named '{_pkg}'", name=_pkg)
del _pkg

from .segment import MARGIN_PX, crop_box, own_ink_mask, soft_mask_from_members
from .tiles import (MARGIN_FRAC, MIN_GLYPH_PX, TILE_SIZE, Tile, box_to_tile, crop_to_tile, page_to_tile,
                    plan_glyph_tiles, tile_to_page_crop)
from .types import Glyph, GlyphMask, GlyphsegError, InkMap, Page

DEFAULT_MODEL = "facebook/sam2.1-hiera-tiny"
SAM2_MODEL_TYPES = ("sam2", "sam2_video")
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

STABILITY_OFFSET = 1.0  # stability = IoU(logits > +1, logits > −1), as in SAM's automatic mask generator
REFINE_BELOW = 0.90  # a chosen mask less stable than this gets one mask-prompt refinement pass
MEMBER_FRACTION = 0.5  # a component belongs to the glyph when SAM2's mask covers more than half its pixels
# A checkpoint whose config.json sets this (model/train.py's glyph models) was trained with each box also given as
# a dense mask prompt: the box rasterised on the 256² mask grid. A model trained from random weights in hours
# learns where a box is far sooner through the dense path (added to the image embedding cell by cell) than
# through the sparse corner tokens, which Meta's checkpoints learned from a billion masks.
BOX_MASK_KEY = "glyphseg_box_mask_prompt"
MASK_GRID = 256  # SAM2's low-res mask grid over the tile

_FIX_HINT = ("on a connected machine run `hf download {hub}` (or `huggingface-cli download {hub}`) and copy the "
             "Hugging Face cache, or copy the downloaded folder (config.json + model.safetensors) and pass "
             "--model /path/to/folder; `--segmenter threshold` works without weights")


# ----------------------------------------------------------------------------------------------------------
# finding checkpoints (local only)


def _hf_hub_cache() -> str:
    """The hub cache folder, read from the environment at call time (huggingface_hub's own constant is
    frozen when it is first imported)."""
    if os.environ.get("HF_HUB_CACHE"):
        return os.path.expanduser(os.environ["HF_HUB_CACHE"])
    if os.environ.get("HUGGINGFACE_HUB_CACHE"):
        return os.path.expanduser(os.environ["HUGGINGFACE_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "huggingface")
    return os.path.join(os.path.expanduser(home), "hub")


def _looks_like_path(model: str) -> bool:
    """Hub ids are `owner/name`; anything else with a path shape is a folder."""
    return (os.path.isabs(model) or model.startswith((".", "~")) or "\\" in model or model.count("/") != 1
            or os.path.exists(model))


def _folder_problem(path: str) -> Optional[str]:
    """Why `path` is not a usable checkpoint folder, or None."""
    if not os.path.isdir(path):
        return "is not a folder"
    if not os.path.isfile(os.path.join(path, "config.json")):
        return "has no config.json"
    if not any(os.path.isfile(os.path.join(path, f)) for f in WEIGHT_FILES):
        return "has no weights (model.safetensors)"
    return None


def _cached_snapshot(repo_id: str, cache_dir: str) -> Optional[str]:
    """The local snapshot folder of a hub repo, or None; never touches the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # respected if the user set it; stops retries elsewhere
    try:
        from huggingface_hub import snapshot_download

        path = snapshot_download(repo_id, cache_dir=cache_dir, local_files_only=True)
        if _folder_problem(path) is None:
            return path
    except Exception:  # LocalEntryNotFoundError, bad repo id, partial cache: fall through to the scan
        pass
    # A cache copied without its refs/ folder still has usable snapshots: take the newest complete one.
    snaps = os.path.join(cache_dir, "models--" + repo_id.replace("/", "--"), "snapshots")
    if os.path.isdir(snaps):
        cands = [os.path.join(snaps, d) for d in os.listdir(snaps)]
        cands = [d for d in cands if _folder_problem(d) is None]
        if cands:
            return max(cands, key=os.path.getmtime)
    return None


def resolve_checkpoint(model: Optional[str] = None) -> str:
    """Local folder holding config.json + weights for `model`: a folder path, or a hub id looked up in the
    local Hugging Face cache only (HF_HUB_CACHE / HF_HOME / ~/.cache/huggingface). Raises GlyphsegError with
    a one-line fix when the weights are not here."""
    model = model or DEFAULT_MODEL
    if _looks_like_path(model):
        path = os.path.abspath(os.path.expanduser(model))
        problem = _folder_problem(path)
        if problem:
            raise GlyphsegError(f"SAM2 model folder {path} {problem}; " + _FIX_HINT.format(hub=DEFAULT_MODEL))
        return path
    cache = _hf_hub_cache()
    path = _cached_snapshot(model, cache)
    if path is None:
        raise GlyphsegError(f"SAM2 weights '{model}' are not in the local Hugging Face cache ({cache}); "
                            + _FIX_HINT.format(hub=model))
    return path


def checkpoint_available(model: Optional[str] = None) -> bool:
    try:
        resolve_checkpoint(model)
        return True
    except GlyphsegError:
        return False


def _read_config(path: str) -> dict:
    with open(os.path.join(path, "config.json"), encoding="utf-8") as f:
        return json.load(f)


# ----------------------------------------------------------------------------------------------------------
# device, dtype, loading

_DTYPE_NAMES = {"fp32": "float32", "float32": "float32", "bf16": "bfloat16", "bfloat16": "bfloat16",
                "fp16": "float16", "float16": "float16"}
_cpu_bf16: Optional[bool] = None


def cpu_bf16_supported() -> bool:
    """Whether this CPU runs bf16 natively (oneDNN's check: AVX512-BF16/AMX on x86, BF16 on Arm) and a bf16
    matmul works. Without native support bf16 is emulated and slower than fp32."""
    import torch

    global _cpu_bf16
    if _cpu_bf16 is None:
        try:
            native = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
            a = torch.ones(8, 8, dtype=torch.bfloat16)
            ok = bool(torch.isfinite((a @ a).float()).all())
            _cpu_bf16 = native and ok
        except Exception:
            _cpu_bf16 = False
    return _cpu_bf16


def resolve_device(device: str = "cpu") -> str:
    import torch

    device = (device or "cpu").lower()
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise GlyphsegError("--device cuda asked for, but this torch has no usable CUDA device; use --device cpu")
        return device
    if device != "cpu":
        raise GlyphsegError(f"unknown device {device!r}: use cpu or cuda")
    return device


def resolve_dtype(dtype: str = "auto", device: str = "cpu"):
    """torch dtype for `dtype` in auto | fp32 | bf16 | fp16 (fp16 on CUDA only). auto = bf16 where the
    hardware supports it (CUDA with bf16, or a CPU with native bf16), else fp32."""
    import torch

    dtype = (dtype or "auto").lower()
    cuda = device.startswith("cuda")
    if dtype == "auto":
        bf16 = torch.cuda.is_bf16_supported() if cuda else cpu_bf16_supported()
        return torch.bfloat16 if bf16 else torch.float32
    if dtype not in _DTYPE_NAMES:
        raise GlyphsegError(f"unknown dtype {dtype!r}: use auto, fp32 or bf16")
    if _DTYPE_NAMES[dtype] == "float16" and not cuda:
        raise GlyphsegError("fp16 is for CUDA only; use fp32 or bf16 on CPU")
    return getattr(torch, _DTYPE_NAMES[dtype])


def load_model(path: str, device: str = "cpu", dtype="auto"):
    """transformers Sam2Model from a checkpoint folder (model_type sam2 or sam2_video), eval mode."""
    import torch

    cfg = _read_config(path)
    model_type = cfg.get("model_type")
    if model_type not in SAM2_MODEL_TYPES:
        raise GlyphsegError(f"{path} holds a {model_type!r} model, not SAM2 (model_type sam2 or sam2_video)")
    device = resolve_device(device)
    torch_dtype = dtype if isinstance(dtype, torch.dtype) else resolve_dtype(dtype, device)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import transformers
    from transformers import Sam2Model

    # Loading a sam2_video checkpoint into Sam2Model is what transformers intends (Sam2PreTrainedModel lists
    # the memory modules as ignorable), but it warns about the model_type; silence that and the progress bar.
    tlog = transformers.utils.logging
    verbosity = tlog.get_verbosity()
    bar = tlog.is_progress_bar_enabled()
    tlog.set_verbosity_error()
    tlog.disable_progress_bar()
    try:
        model, info = Sam2Model.from_pretrained(path, dtype=torch_dtype, local_files_only=True,
                                                output_loading_info=True)
    except Exception as e:
        raise GlyphsegError(f"could not load SAM2 from {path}: {type(e).__name__}: {str(e).splitlines()[0]}")
    finally:
        tlog.set_verbosity(verbosity)
        if bar:
            tlog.enable_progress_bar()
    missing = sorted(info.get("missing_keys") or [])
    if missing:
        raise GlyphsegError(f"{path} is not a transformers SAM2 checkpoint: {len(missing)} weights missing "
                            f"(e.g. {missing[0]}); use a facebook/sam2.1-* or facebook/sam2-* hub folder")
    return model.to(device).eval()


# ----------------------------------------------------------------------------------------------------------
# tensors in and out


def preprocess_tile(rgb: np.ndarray):
    """uint8 H×W×3 RGB → float32 1×3×H×W tensor: /255, then ImageNet mean/std per channel (what
    Sam2ImageProcessor does after resizing; our tiles are already 1024²)."""
    import torch

    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError("expected a uint8 H×W×3 image")
    x = rgb.astype(np.float32) / 255.0
    x = (x - np.array(IMAGENET_MEAN, np.float32)) / np.array(IMAGENET_STD, np.float32)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]


def box_mask_prompts(boxes_tile, size: int = TILE_SIZE, grid: int = MASK_GRID) -> np.ndarray:
    """N boxes (continuous tile coordinates) → N×1×grid×grid float32: the share of each grid cell inside the box.

    >>> m = box_mask_prompts([[4, 4, 10, 12]], size=16, grid=4)[0, 0]
    >>> m.tolist()
    [[0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.5, 0.0], [0.0, 1.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0]]
    """
    b = np.asarray(boxes_tile, np.float64).reshape(-1, 4) * (grid / size)
    edges = np.arange(grid + 1, dtype=np.float64)

    def overlap(lo, hi):  # N×grid: length of [lo, hi] inside each cell [k, k+1]
        return np.clip(np.minimum(hi[:, None], edges[None, 1:]) - np.maximum(lo[:, None], edges[None, :-1]), 0, 1)

    ox, oy = overlap(b[:, 0], b[:, 2]), overlap(b[:, 1], b[:, 3])
    return (oy[:, :, None] * ox[:, None, :]).astype(np.float32)[:, None]


def _index_coords(coords):
    """Continuous tile coordinates → the float32 tensor SAM2's prompt encoder takes: pixel indices (it adds 0.5
    to every coordinate, "shift to pixel centre")."""
    import torch

    return torch.as_tensor(np.asarray(coords, np.float64) - 0.5, dtype=torch.float32)


def decode_boxes(model, embeddings: list, boxes_tile, multimask: bool = True, points=None, point_labels=None):
    """The mask decoder for N boxes of one tile when the model takes each box as a dense mask prompt too
    (BOX_MASK_KEY): a dense prompt is per image, so the tile's embedding is repeated once per box. Returns the
    model's output with the box axis first (pred_masks N×1×K×256×256). Gradients flow when the caller allows."""
    import torch

    device = embeddings[-1].device
    boxes = _index_coords(boxes_tile).reshape(-1, 1, 4).to(device)
    n = boxes.shape[0]
    masks = torch.from_numpy(box_mask_prompts(boxes_tile, TILE_SIZE, MASK_GRID)).to(device, embeddings[-1].dtype)
    kw = {}
    if points is not None:
        kw = dict(input_points=_index_coords(points).reshape(1, 1, -1, 2).expand(n, 1, -1, 2).to(device),
                  input_labels=torch.as_tensor(np.asarray(point_labels, np.int64)).reshape(1, 1, -1).expand(n, 1, -1)
                  .to(device))
    return model(image_embeddings=[e.expand(n, *e.shape[1:]) for e in embeddings], input_boxes=boxes,
                 input_masks=masks, multimask_output=multimask, **kw)


def upsample_logits(low_res, size: int = TILE_SIZE):
    """N×K×256×256 logits → N×K×size×size float32, bilinear, half-pixel centres (align_corners=False),
    the same as transformers' post_process_masks."""
    import torch.nn.functional as F

    return F.interpolate(low_res.float(), size=(size, size), mode="bilinear", align_corners=False)


def stability_score(logits: np.ndarray, offset: float = STABILITY_OFFSET) -> float:
    """IoU of the masks logits > +offset and logits > −offset: 1 when the mask edge is sharp, low when
    the decision hangs on the threshold. An empty mask is perfectly stable (1.0)."""
    inner = int((logits > offset).sum())
    outer = int((logits > -offset).sum())
    return inner / outer if outer else 1.0


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    union = int((a | b).sum())
    return int((a & b).sum()) / union if union else 0.0


def mask_choice_score(pred_iou: float, stability: float, ink_iou: float) -> float:
    """How good one of SAM2's candidate masks is for a glyph: the geometric mean of
    - pred_iou: SAM2's own estimate of the mask's IoU with the prompted object,
    - stability: IoU(logits > +1, logits > −1) — a mask whose extent depends on the threshold is a guess,
    - ink_iou: IoU of the mask with the scan's ink (InkMap.binary) inside the glyph box, the mask taken over
      a window a margin wider than the box — for printed type the object is the ink, so a mask that takes in
      paper (the box, a counter, the page around the glyph) or misses strokes is wrong.
    A geometric mean, not a sum: a candidate that fails any one test (e.g. covers no ink) scores 0 whatever
    the others say, and no single term can buy back a failure of another."""
    terms = np.clip([pred_iou, stability, ink_iou], 0.0, 1.0)
    return float(np.prod(terms) ** (1.0 / 3.0))


@dataclass
class MaskChoice:
    """Diagnostics of one glyph's mask: which candidate won and why."""

    tile: int
    candidate: int  # 0..K-1 among the multimask outputs, −1 when the refined mask won
    score: float
    pred_iou: float
    stability: float
    ink_iou: float
    refined: bool
    members: Tuple[int, ...]  # component labels SAM2's mask selected
    fallback: bool  # True when SAM2 selected nothing and detection's components were kept
    template_pass: bool = False  # a second pass with template point prompts ran (topology mismatch)
    template_fixed: bool = False  # ... and its mask was kept because its topology matched


class Sam2Runner:
    """A loaded Sam2Model with the two calls the backend needs: embed a tile, decode box prompts."""

    def __init__(self, model, device: str, dtype):
        self.model = model
        self.device = device
        self.dtype = dtype
        pe = model.config.prompt_encoder_config
        self.image_size = int(pe.image_size)
        if self.image_size != TILE_SIZE:
            raise GlyphsegError(f"SAM2 checkpoint expects {self.image_size}px images; glyphseg tiles are {TILE_SIZE}px")
        self.box_mask = bool(getattr(model.config, BOX_MASK_KEY, False))

    @classmethod
    def load(cls, model: Optional[str] = None, device: str = "cpu", dtype="auto") -> "Sam2Runner":
        path = resolve_checkpoint(model)
        device = resolve_device(device)
        torch_dtype = resolve_dtype(dtype, device) if isinstance(dtype, str) else dtype
        return cls(load_model(path, device, torch_dtype), device, torch_dtype)

    def embed(self, pixel_values) -> list:
        """Image embeddings of one preprocessed tile: [s0 features, s1 features, image embedding]."""
        import torch

        with torch.inference_mode():
            return self.model.get_image_embeddings(pixel_values.to(self.device, self.dtype))

    def embed_many(self, pixel_values: list) -> List[list]:
        """Embeddings of several preprocessed tiles in one pass of the encoder (a batch: on a GPU, many tiles
        cost little more than one), split back into one embedding list per tile."""
        import torch

        if len(pixel_values) == 1:
            return [self.embed(pixel_values[0])]
        batch = torch.cat(list(pixel_values), dim=0)
        with torch.inference_mode():
            feats = self.model.get_image_embeddings(batch.to(self.device, self.dtype))
        return [[f[i:i + 1] for f in feats] for i in range(batch.shape[0])]

    def decode(self, embeddings: list, boxes_tile: np.ndarray, mask_input=None, multimask: bool = True):
        """Masks for N boxes (continuous tile coordinates x0, y0, x1, y1) against a cached embedding.
        Returns (low-res logits N×K×256×256 float32 tensor, predicted IoU N×K numpy, object-score logits N).
        `mask_input` (1×1×256×256 logits) is a dense prompt; it applies to every box of the call."""
        import torch

        if self.box_mask and mask_input is not None:
            raise ValueError("a box-mask model takes its dense prompt from the box; no mask_input")
        with torch.inference_mode():
            if self.box_mask:  # the boxes are the batch axis, one prompt each
                out, boxes_at = decode_boxes(self.model, embeddings, boxes_tile, multimask), (slice(None), 0)
            else:  # one image, the boxes its prompts
                out = self.model(image_embeddings=embeddings,
                                 input_boxes=_index_coords(boxes_tile)[None].to(self.device),
                                 input_masks=None if mask_input is None else mask_input.to(self.device, self.dtype),
                                 multimask_output=multimask)
                boxes_at = 0
        return (out.pred_masks[boxes_at].float().cpu(), out.iou_scores[boxes_at].float().cpu().numpy(),
                out.object_score_logits[boxes_at].float().cpu().numpy().reshape(-1))

    def decode_with_points(self, embeddings: list, box_tile: np.ndarray, points_tile: np.ndarray,
                           point_labels: Sequence[int]):
        """Masks for one box plus point prompts (label 1: on the object, 0: not on it), multimask.
        Returns (low-res logits K×256×256, predicted IoU K)."""
        import torch

        with torch.inference_mode():
            if self.box_mask:
                out = decode_boxes(self.model, embeddings, np.asarray(box_tile)[None], True, points_tile, point_labels)
            else:
                lab = torch.as_tensor(np.asarray(point_labels, np.int64)[None, None])
                out = self.model(image_embeddings=embeddings,
                                 input_points=_index_coords(points_tile)[None, None].to(self.device),
                                 input_labels=lab.to(self.device),
                                 input_boxes=_index_coords(box_tile)[None, None].to(self.device), multimask_output=True)
        return out.pred_masks[0, 0].float().cpu(), out.iou_scores[0, 0].float().cpu().numpy()


class Sam2Segmenter:
    """SAM2 backend of the `segment.Segmenter` protocol.

    `model`: a checkpoint folder or a hub id in the local HF cache (default facebook/sam2.1-hiera-tiny);
    checked at construction (fast, no network), loaded on first use. `notes` collects per-glyph remarks
    (e.g. fallbacks); `choices` the per-glyph MaskChoice diagnostics; `timings` seconds spent per stage.
    """

    name = "sam2"

    def __init__(self, model: Optional[str] = None, device: str = "cpu", dtype: str = "auto", pack: bool = True,
                 margin_frac: float = MARGIN_FRAC, min_glyph_px: float = MIN_GLYPH_PX, refine: bool = True,
                 template_pass: bool = True, tile_batch: Optional[int] = None, edge: str = "scan"):
        if edge not in ("scan", "model"):
            raise ValueError(f"edge must be 'scan' or 'model', not {edge!r}")
        self.edge = edge  # "scan": SAM2 picks the ink, the scan draws the edge; "model": SAM2's own mask is the glyph
        self.model_name = model or DEFAULT_MODEL
        self.path = resolve_checkpoint(model)
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.pack = pack
        self.margin_frac = margin_frac
        self.min_glyph_px = min_glyph_px
        self.refine = refine
        self.template_pass = template_pass
        # tiles embedded per encoder pass: batching pays on a GPU; on a CPU the encoder is already busy on one
        self.tile_batch = max(1, tile_batch or (1 if self.device == "cpu" else 8))
        self.fixed: set = set()  # glyph ids whose mask the template pass changed
        self.runner: Optional[Sam2Runner] = None
        self.notes: List[str] = []
        self.choices: Dict[str, MaskChoice] = {}
        self.timings: Dict[str, float] = {"tiles": 0, "encode_s": 0.0, "decode_s": 0.0, "post_s": 0.0}

    def _ensure_loaded(self) -> Sam2Runner:
        if self.runner is None:
            self.runner = Sam2Runner(load_model(self.path, self.device, self.dtype), self.device, self.dtype)
        return self.runner

    def segment_page(self, page: Page, ink: InkMap, glyphs: Sequence[Glyph],
                     progress: Optional[callable] = None) -> Dict[str, GlyphMask]:
        runner = self._ensure_loaded()
        shape = ink.ink.shape
        by_id = {g.id: g for g in glyphs}
        # page-wide pixel count of every component: "majority" is judged against the whole component, so a
        # neighbour's stroke poking into this glyph's crop never counts as covered
        areas = np.bincount(ink.components.ravel())
        tiles = plan_glyph_tiles(glyphs, shape, margin_frac=self.margin_frac, pack=self.pack,
                                 min_glyph_px=self.min_glyph_px)
        out: Dict[str, GlyphMask] = {}
        embedded: Dict[int, list] = {}
        for ti, tile in enumerate(tiles):
            t0 = time.perf_counter()
            if ti not in embedded:  # the next `tile_batch` tiles in one encoder pass
                group = list(range(ti, min(ti + self.tile_batch, len(tiles))))
                embedded = dict(zip(group, runner.embed_many([preprocess_tile(crop_to_tile(page.image, tiles[k]))
                                                              for k in group])))
            embeddings = embedded.pop(ti)
            t1 = time.perf_counter()
            tile_glyphs = [by_id[i] for i in tile.glyph_ids]
            boxes = np.stack([box_to_tile(g.bbox, tile) for g in tile_glyphs])
            low_res, ious, _ = runner.decode(embeddings, boxes, multimask=True)
            up = upsample_logits(low_res).numpy()
            t2 = time.perf_counter()
            for n, g in enumerate(tile_glyphs):
                out[g.id] = self._glyph_mask(runner, embeddings, tile, ti, g, boxes[n], low_res[n], up[n], ious[n],
                                             ink, areas)
                if progress:
                    progress(1)
            t3 = time.perf_counter()
            self.timings["tiles"] += 1
            self.timings["encode_s"] += t1 - t0
            self.timings["decode_s"] += t2 - t1
            self.timings["post_s"] += t3 - t2
        return out

    def _glyph_mask(self, runner: Sam2Runner, embeddings, tile: Tile, ti: int, g: Glyph, box_tile: np.ndarray,
                    low_res, up: np.ndarray, ious: np.ndarray, ink: InkMap, areas: np.ndarray) -> GlyphMask:
        h, w = ink.ink.shape
        box = crop_box(g, (h, w))
        cx0, cy0, cx1, cy1 = box
        gx0, gy0, gx1, gy1 = g.bbox
        # Candidates are judged on a window wider than the glyph (the tile's margin, which the tile holds), so
        # that a mask leaking into the paper around the glyph is seen and penalised.
        pad = max(int(math.ceil(self.margin_frac * max(g.width, g.height))), MARGIN_PX)  # window ⊇ crop box
        win = (max(gx0 - pad, 0), max(gy0 - pad, 0), min(gx1 + pad, w), min(gy1 + pad, h))
        wx0, wy0, wx1, wy1 = win
        target = np.zeros((wy1 - wy0, wx1 - wx0), bool)  # the scan's ink inside the glyph box
        target[gy0 - wy0:gy1 - wy0, gx0 - wx0:gx1 - wx0] = ink.binary[gy0:gy1, gx0:gx1]
        in_crop = (slice(cy0 - wy0, cy1 - wy0), slice(cx0 - wx0, cx1 - wx0))

        def judge(tile_logits: np.ndarray, pred_iou: float):
            window = tile_to_page_crop(tile_logits, tile, win, fill=-100.0)
            stab = stability_score(window)
            agree = mask_iou(window > 0, target)
            return window[in_crop], mask_choice_score(pred_iou, stab, agree), stab, agree

        judged = [judge(up[k], float(ious[k])) for k in range(up.shape[0])]
        # best score; SAM2's own IoU guess breaks ties (e.g. when every candidate fails and scores 0)
        k = max(range(len(judged)), key=lambda i: (judged[i][1], float(ious[i])))
        crop, score, stab, agree = judged[k]
        choice = MaskChoice(tile=ti, candidate=k, score=score, pred_iou=float(ious[k]), stability=stab,
                            ink_iou=agree, refined=False, members=(), fallback=False)
        if self.refine and not runner.box_mask and stab < REFINE_BELOW:
            # SAM's iterative refinement: the chosen low-res logits as a dense mask prompt, same box.
            r_low, r_iou, _ = runner.decode(embeddings, box_tile[None], mask_input=low_res[k][None, None],
                                            multimask=False)
            r_crop, r_score, r_stab, r_agree = judge(upsample_logits(r_low)[0, 0].numpy(), float(r_iou[0, 0]))
            if r_score > score:
                crop = r_crop
                choice = MaskChoice(tile=ti, candidate=-1, score=r_score, pred_iou=float(r_iou[0, 0]),
                                    stability=r_stab, ink_iou=r_agree, refined=True, members=(), fallback=False)

        if self.edge == "model":
            # SAM2's mask itself, as coverage: a model trained on true outlines (model/train.py) was taught to
            # bridge thin ink and to ignore spread, show-through and specks, which the scan's own edge keeps.
            from scipy.special import expit

            self.choices[g.id] = choice
            return GlyphMask(glyph_id=g.id, x0=cx0, y0=cy0, soft=expit(crop).astype(np.float32))
        labels = ink.components[cy0:cy1, cx0:cx1]
        covered = np.bincount(labels[crop > 0], minlength=len(areas))
        present = np.unique(labels)
        members = tuple(int(lab) for lab in present
                        if lab > 0 and covered[lab] > MEMBER_FRACTION * areas[lab])
        if not members:
            members = tuple(int(c) for c in g.components)
            choice.fallback = True
            self.notes.append(f"{g.id}: SAM2's mask covers no ink component by a majority; "
                              "kept detection's components")
        if self.template_pass and g.char is not None:
            members = self._template_pass(runner, embeddings, tile, g, box_tile, judge, labels, areas, ink, box,
                                          members, choice)
        choice.members = members
        self.choices[g.id] = choice
        member = np.isin(labels, members)
        return soft_mask_from_members(ink, g, member, box)

    def _template_pass(self, runner, embeddings, tile, g, box_tile, judge, labels, areas, ink, box, members,
                       choice):
        """Char-SAM's template-guided refinement: when the glyph's parts and counters do not match its
        character's templates, prompt again with the box plus points from the best template (positive on
        its strokes, one per part; negative in its counters) and keep the candidate whose topology matches."""
        from .refine import template_points
        from .templates import library, normalise_raster, topology

        expected = library(blackletter=False).topologies_of(g.char)  # as refine.refine_threshold
        if not expected:
            return members

        def topo(ms):
            return topology(soft_mask_from_members(ink, g, np.isin(labels, ms), box).soft >= 0.5)

        if topo(members) in expected:
            return members
        raster = normalise_raster(own_ink_mask(ink, g).soft)
        pos, neg = template_points(g, raster, g.char)
        if not pos:
            return members
        pts = page_to_tile(np.array(pos + neg, float), tile)
        p_low, p_iou = runner.decode_with_points(embeddings, box_tile, pts, [1] * len(pos) + [0] * len(neg))
        p_up = upsample_logits(p_low[None])[0].numpy()
        best = None
        for k in range(p_up.shape[0]):
            crop, score, stab, agree = judge(p_up[k], float(p_iou[k]))
            covered = np.bincount(labels[crop > 0], minlength=len(areas))
            ms = tuple(int(lab) for lab in np.unique(labels)
                       if lab > 0 and covered[lab] > MEMBER_FRACTION * areas[lab])
            if ms and topo(ms) in expected and (best is None or score > best[0]):
                best = (score, ms, k, stab, agree, float(p_iou[k]))
        choice.template_pass = True
        if best is None:
            return members
        score, ms, k, stab, agree, piou = best
        choice.template_fixed = True
        choice.candidate, choice.score, choice.stability, choice.ink_iou, choice.pred_iou = k, score, stab, agree, piou
        self.fixed.add(g.id)
        return ms


# ----------------------------------------------------------------------------------------------------------
# model info (for `glyphseg model info`) and a timing benchmark


def model_info(model: Optional[str] = None, device: str = "cpu", dtype: str = "auto", load: bool = True) -> dict:
    """What `Sam2Segmenter(model, device, dtype)` would load. Keys: model (as asked), available, path or
    error, model_type, architecture, device, dtype, and with load=True parameters (or load_error)."""
    d = {"model": model or DEFAULT_MODEL, "device": device}
    try:
        path = resolve_checkpoint(model)
    except GlyphsegError as e:
        d.update(available=False, error=str(e))
        return d
    d.update(available=True, path=path)
    try:
        cfg = _read_config(path)
        d["model_type"] = cfg.get("model_type")
        bb = (cfg.get("vision_config") or {}).get("backbone_config") or {}
        if bb:
            d["architecture"] = (f"Hiera dims {bb.get('embed_dim_per_stage')} blocks {bb.get('blocks_per_stage')} "
                                 f"global {bb.get('global_attention_blocks')}")
        if cfg.get(BOX_MASK_KEY):
            d["prompts"] = "box, also as a dense mask prompt (trained by model/train.py)"
    except (OSError, ValueError) as e:
        d["error"] = f"unreadable config.json: {e}"
        return d
    try:
        dev = resolve_device(device)
        torch_dtype = resolve_dtype(dtype, dev)
        d["dtype"] = str(torch_dtype).replace("torch.", "")
    except GlyphsegError as e:
        d["error"] = str(e)
        return d
    if load:
        try:
            m = load_model(path, dev, torch_dtype)
            d["parameters"] = int(sum(p.numel() for p in m.parameters()))
        except GlyphsegError as e:
            d["load_error"] = str(e)
    return d


def format_model_info(d: dict) -> str:
    """Human-readable `model_info` output, one `key: value` per line."""
    order = ["model", "available", "path", "model_type", "architecture", "prompts", "parameters", "device", "dtype",
             "error", "load_error"]
    lines = []
    for k in order + [k for k in d if k not in order]:
        if k not in d:
            continue
        v = d[k]
        if k == "parameters":
            v = f"{v:,} ({v / 1e6:.1f} M)"
        elif k == "available":
            v = "yes" if v else "no"
        lines.append(f"{k:>12}: {v}")
    return "\n".join(lines)


def benchmark(model: Optional[str] = None, device: str = "cpu", dtype: str = "auto", repeats: int = 5,
              prompts: int = 8, warmup: int = 2, seed: int = 0) -> dict:
    """Seconds per 1024² tile for the image encoder and per box prompt for the mask decoder (median and
    minimum of `repeats` rounds after `warmup` rounds), on a synthetic tile of dark glyph-sized frames.
    Fills the model card's timing table:
    python -m glyphseg.sam2 --model PATH [--dtype fp32|bf16] [--device cpu|cuda]"""
    import torch

    runner = Sam2Runner.load(model, device, dtype)
    rng = np.random.default_rng(seed)
    rgb = np.full((TILE_SIZE, TILE_SIZE), 255, np.uint8)
    boxes = []
    for i in range(prompts):  # dark blocks standing in for glyphs
        x0, y0 = int(rng.integers(0, 900)), int(rng.integers(0, 900))
        w, h = int(rng.integers(40, 120)), int(rng.integers(60, 120))
        cv2.rectangle(rgb, (x0, y0), (x0 + w, y0 + h), 30, thickness=int(rng.integers(8, 20)))
        boxes.append((x0, y0, x0 + w + 1, y0 + h + 1))
    pix = preprocess_tile(np.repeat(rgb[:, :, None], 3, axis=2))

    def sync():
        if runner.device.startswith("cuda"):
            torch.cuda.synchronize()

    enc, dec, dec1 = [], [], []
    for r in range(warmup + repeats):
        sync()
        t0 = time.perf_counter()
        emb = runner.embed(pix)
        sync()
        t1 = time.perf_counter()
        runner.decode(emb, np.array(boxes, float))
        sync()
        t2 = time.perf_counter()
        runner.decode(emb, np.array(boxes[:1], float))
        sync()
        t3 = time.perf_counter()
        if r >= warmup:  # warm-up: allocations, oneDNN primitive creation, first touch of memory
            enc.append(t1 - t0)
            dec.append((t2 - t1) / prompts)
            dec1.append(t3 - t2)
    return {"model": model or DEFAULT_MODEL, "device": runner.device, "dtype": str(runner.dtype).replace("torch.", ""),
            "threads": torch.get_num_threads(), "repeats": repeats,
            "encoder_s_per_tile": float(np.median(enc)), "encoder_s_per_tile_min": float(np.min(enc)),
            "decoder_s_per_prompt_batched": float(np.median(dec)), "decoder_s_single_prompt": float(np.median(dec1)),
            "decoder_s_single_prompt_min": float(np.min(dec1)), "prompts_per_batch": prompts}


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="SAM2 backend timing benchmark (one 1024 tile, box prompts)")
    ap.add_argument("--model", default=None, help="checkpoint folder or hub id in the local cache")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--prompts", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=2)
    a = ap.parse_args()
    try:
        res = benchmark(a.model, a.device, a.dtype, a.repeats, a.prompts, a.warmup)
    except GlyphsegError as e:
        raise SystemExit(f"error: {e}")
    print(json.dumps(res, indent=2))
