"""Build a randomly initialised SAM2 checkpoint folder (config.json + model.safetensors).

Two architectures:

- "tiny" (default): a toy of about 160 k parameters with the real input and output geometry — 1024×1024 input,
  the three feature levels at 256², 128² and 64², 256×256 low-res masks, three multimask outputs — so that
  every code path of glyphseg's SAM2 backend runs for real on CPU in a fraction of a second per tile. It is
  for tests: its weights are random, so its masks are random too (nothing is faked; they are simply
  untrained).
- "hiera-tiny": the exact architecture of facebook/sam2.1-hiera-tiny (38.9 M parameters, Hiera-T trunk:
  embed dim 96, stages (1, 2, 7, 2), heads 1 doubling per stage, global attention in blocks 5, 7, 9,
  windows (8, 4, 14, 7); FPN neck 256; two-way mask decoder 256/2048/8 heads) with random weights: the same
  compute as the real checkpoint, for timing benchmarks on machines without the weights.

`model_type="sam2_video"` writes a video checkpoint (Sam2VideoConfig, as the facebook/sam2.1-* hub repos
are) instead of an image one, to exercise glyphseg's loading of video checkpoints.

    python model/make_tiny_sam2.py OUT_DIR [--architecture tiny|hiera-tiny] [--video] [--seed 0]
"""
from __future__ import annotations

import argparse
import os

ARCHITECTURES = ("tiny", "hiera-tiny")


def _sub_configs(architecture: str) -> dict:
    from transformers import Sam2HieraDetConfig, Sam2MaskDecoderConfig, Sam2PromptEncoderConfig, Sam2VisionConfig

    if architecture == "hiera-tiny":
        # sam2.1_hiera_t.yaml (facebookresearch/sam2), written out rather than relying on library defaults
        backbone = Sam2HieraDetConfig(
            hidden_size=96, num_attention_heads=1, embed_dim_per_stage=[96, 192, 384, 768],
            num_attention_heads_per_stage=[1, 2, 4, 8], blocks_per_stage=[1, 2, 7, 2],
            global_attention_blocks=[5, 7, 9], window_size_per_stage=[8, 4, 14, 7],
            window_positional_embedding_background_size=[7, 7], image_size=[1024, 1024])
        vision = Sam2VisionConfig(backbone_config=backbone, backbone_channel_list=[768, 384, 192, 96],
                                  backbone_feature_sizes=[[256, 256], [128, 128], [64, 64]], fpn_hidden_size=256,
                                  fpn_top_down_levels=[2, 3], num_feature_levels=3)
        prompt = Sam2PromptEncoderConfig(hidden_size=256, image_size=1024, patch_size=16, mask_input_channels=16)
        decoder = Sam2MaskDecoderConfig(hidden_size=256, mlp_dim=2048, num_hidden_layers=2, num_attention_heads=8,
                                        iou_head_depth=3, iou_head_hidden_dim=256, num_multimask_outputs=3)
        return dict(vision_config=vision, prompt_encoder_config=prompt, mask_decoder_config=decoder)
    if architecture == "tiny":
        hidden = 32  # FPN, prompt-encoder and mask-decoder width (they must agree)
        # Four stages like Hiera, one block each except the last, whose second block attends globally (a
        # global block may not open a stage: the query pooling there needs a window).
        backbone = Sam2HieraDetConfig(
            hidden_size=8, num_attention_heads=1, embed_dim_per_stage=[8, 16, 32, 64],
            num_attention_heads_per_stage=[1, 1, 1, 1], blocks_per_stage=[1, 1, 1, 2], global_attention_blocks=[4],
            window_size_per_stage=[8, 4, 14, 7], image_size=[1024, 1024])
        vision = Sam2VisionConfig(backbone_config=backbone, backbone_channel_list=[64, 32, 16, 8],
                                  backbone_feature_sizes=[[256, 256], [128, 128], [64, 64]], fpn_hidden_size=hidden,
                                  fpn_top_down_levels=[2, 3], num_feature_levels=3)
        prompt = Sam2PromptEncoderConfig(hidden_size=hidden, image_size=1024, patch_size=16, mask_input_channels=16)
        decoder = Sam2MaskDecoderConfig(hidden_size=hidden, mlp_dim=64, num_hidden_layers=2, num_attention_heads=4,
                                        iou_head_depth=3, iou_head_hidden_dim=hidden, num_multimask_outputs=3)
        return dict(vision_config=vision, prompt_encoder_config=prompt, mask_decoder_config=decoder)
    raise ValueError(f"architecture must be one of {ARCHITECTURES}, not {architecture!r}")


def make_tiny_sam2(path: str, seed: int = 0, architecture: str = "tiny", model_type: str = "sam2") -> str:
    """Write a randomly initialised SAM2 checkpoint to `path` (created if needed); returns `path`."""
    import torch
    from transformers import Sam2Config, Sam2Model, Sam2VideoConfig, Sam2VideoModel

    subs = _sub_configs(architecture)
    torch.manual_seed(seed)
    if model_type == "sam2":
        model = Sam2Model(Sam2Config(**subs))
    elif model_type == "sam2_video":
        if architecture == "tiny":
            # shrink the memory modules too (the image path never runs them, but they are saved)
            h = subs["vision_config"].fpn_hidden_size
            extra = dict(memory_attention_hidden_size=h, memory_attention_num_layers=1,
                         memory_attention_feed_forward_hidden_size=2 * h, memory_encoder_hidden_size=h,
                         memory_encoder_output_channels=16, mask_downsampler_embed_dim=h, memory_fuser_embed_dim=h,
                         memory_fuser_intermediate_dim=2 * h, memory_fuser_num_layers=1)
        else:
            extra = {}
        model = Sam2VideoModel(Sam2VideoConfig(**subs, **extra))
    else:
        raise ValueError(f"model_type must be 'sam2' or 'sam2_video', not {model_type!r}")
    os.makedirs(path, exist_ok=True)
    model.save_pretrained(path)
    return path


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="folder to write config.json + model.safetensors into")
    ap.add_argument("--architecture", choices=ARCHITECTURES, default="tiny")
    ap.add_argument("--video", action="store_true", help="write a sam2_video checkpoint")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    make_tiny_sam2(args.out, seed=args.seed, architecture=args.architecture,
                   model_type="sam2_video" if args.video else "sam2")
    print(args.out)


if __name__ == "__main__":
    main()
