"""model/train.py: a few steps of a tiny SAM2 on rendered tiles. The loss on a fixed batch must fall, targets
must be the glyph's outline on SAM2's mask grid, and the checkpoint must load through glyphseg's own loader.
No test here judges a trained model's quality: benchmarks/sam2_glyphs.py does."""
import random
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from glyphseg import sam2 as gs  # noqa: E402
from glyphseg.specimen import render_specimen  # noqa: E402

from conftest import model_script  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


@pytest.fixture(scope="module")
def tr():
    return model_script("train")


def _tiny(tr, **kw):
    arch = tr.Architecture(trunk_dims=(8, 16, 32, 64), trunk_blocks=(1, 1, 1, 2), trunk_heads=(1, 1, 1, 1),
                           global_blocks=(4,), hidden=32, decoder_mlp=64, decoder_heads=4)
    return tr.TrainConfig(architecture=arch, font_globs=[FONT], threads=2, **kw)


def test_targets_are_the_glyph_outline_on_the_mask_grid(tr):
    from fontTools.ttLib import TTFont

    spec = render_specimen(FONT, lines=["Hil"], dpi=300, size_pt=20, tracking_em=0.0)
    tiles = tr.page_tiles(spec, TTFont(FONT).getGlyphSet())
    assert sum(len(t.boxes) for t in tiles) == 3
    t = tiles[0]
    assert t.image.shape == (1024, 1024, 3) and t.targets.shape[1:] == (256, 256)
    for box, target in zip(t.boxes, t.targets.astype(np.float32)):
        ys, xs = np.nonzero(target >= 0.5)
        # the coverage lies inside the glyph's box (tile px / 4 on the grid), up to a grid cell
        assert xs.min() >= box[0] / 4 - 1 and xs.max() <= box[2] / 4 + 1
        assert ys.min() >= box[1] / 4 - 1 and ys.max() <= box[3] / 4 + 1
    # the i's target has its dot: two separate pieces
    from scipy import ndimage

    i_target = t.targets[1].astype(np.float32) >= 0.5
    assert ndimage.label(i_target)[1] == 2


def test_loss_falls_and_the_checkpoint_loads(tr, tmp_path):
    cfg = _tiny(tr, steps=1, lr=3e-3, warmup=1)
    model = tr.build_model(cfg)
    stream = tr.tile_stream(cfg, [FONT], seed=3)
    batch = tr.make_batch([next(stream), next(stream)], 4, np.random.default_rng(0), cfg.box_jitter)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    losses = []
    for _ in range(12):  # the same batch: the loss must fall
        loss, _, _ = tr.step_loss(model, *batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.8 * losses[0], losses

    summary = tr.train(_tiny(tr, steps=3, val_every=3, val_tiles=2, log_every=1), str(tmp_path / "run"),
                       progress=lambda line: None)
    assert summary["steps"] == 3 and 0.0 <= summary["best_val_iou"] <= 1.0
    log = (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()
    assert len(log) == 3 and '"val_iou"' in log[-1]
    ckpt = str(tmp_path / "run" / "checkpoint")
    runner = gs.Sam2Runner.load(ckpt, dtype="fp32")
    trained = tr.build_model(cfg)
    from safetensors.torch import load_file

    trained.load_state_dict(load_file(str(tmp_path / "run" / "checkpoint" / "model.safetensors")), strict=False)
    trained.eval()
    tile = next(stream)
    pix = gs.preprocess_tile(tile.image)
    emb = runner.embed(pix)
    low, _, _ = runner.decode(emb, tile.boxes[:1])
    assert runner.box_mask  # the config says: boxes are dense prompts too
    with torch.inference_mode():
        ref, _ = tr.predict(trained, trained.get_image_embeddings(pix), tile.boxes[None, :1])
    assert torch.allclose(low, ref[0], atol=1e-4)


def test_config_file_round_trips(tr, tmp_path):
    cfg = tr.TrainConfig.from_json(str(ROOT / "model" / "train_config.json"))
    assert cfg.architecture.trunk_dims == tuple(cfg.architecture.trunk_dims)
    p = tmp_path / "c.json"
    import json

    p.write_text(json.dumps(cfg.to_json()))
    assert tr.TrainConfig.from_json(str(p)) == cfg
    p.write_text(json.dumps({"stpes": 3}))
    with pytest.raises(ValueError, match="stpes"):
        tr.TrainConfig.from_json(str(p))


def test_pages_are_drawn_from_the_configured_ranges(tr):
    cfg = _tiny(tr)
    rng = random.Random(0)
    lines = [tr.page_lines(rng, cfg) for _ in range(20)]
    assert all(cfg.line_count[0] <= len(ls) <= cfg.line_count[1] for ls in lines)
    words = {w for ls in lines for line in ls for w in line.split()}
    assert words & set(tr.TRAIN_WORDS) and not words & {"Hamburgefonstiv", "waffle", "hijinks"}
