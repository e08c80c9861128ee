"""Tile planner: exact affine maps, resampling that agrees with them, and the packing rule."""
import numpy as np
import pytest

from glyphseg.tiles import (MIN_MARGIN_PX, SMALL_MARK_FRAC, TILE_SIZE, Tile, box_to_tile, crop_to_tile,
                            page_to_tile, plan_tiles, tile_to_page, tile_to_page_crop)


def _edge_crossings(profile: np.ndarray, level: float):
    """Sub-pixel positions (continuous coordinates, centre of index i at i + 0.5) where a 1-D profile
    crosses `level` going down (first) and going up (last)."""
    p = profile.astype(np.float64)
    below = p < level
    i = int(np.argmax(below))  # first index below the level
    j = len(p) - 1 - int(np.argmax(below[::-1]))  # last index below
    down = (i - 1) + (p[i - 1] - level) / (p[i - 1] - p[i]) + 0.5
    up = j + (p[j] - level) / (p[j] - p[j + 1]) + 0.5
    return down, up


def test_round_trip_is_exact():
    rng = np.random.default_rng(1)
    tile = Tile(x0=123.37, y0=-45.9, x1=123.37 + 1024 / 3.71, y1=-45.9 + 1024 / 3.71, scale=3.71, glyph_ids=("a",))
    pts = rng.uniform(-500, 3000, size=(1000, 2))
    back = tile_to_page(page_to_tile(pts, tile), tile)
    assert np.abs(back - pts).max() < 1e-9
    t = rng.uniform(0, 1024, size=(100, 2))
    assert np.abs(page_to_tile(tile_to_page(t, tile), tile) - t).max() < 1e-9
    # the tile's page box maps onto [0, size]²
    assert np.allclose(box_to_tile(tile.box, tile), [0, 0, 1024, 1024])
    assert np.allclose(tile.matrix @ np.array([tile.x1, tile.y1, 1.0]), [1024, 1024])


@pytest.mark.parametrize("scale,x0,y0", [(3.7, 10.3, 20.6), (8.0, 50.0, 60.0), (0.6, -200.25, -300.5)])
def test_rendered_box_lands_where_page_to_tile_says(scale, x0, y0):
    page = np.full((600, 800), 255, np.uint8)
    box = (100, 120, 160, 150)  # ink pixels x 100..159, y 120..149: continuous edges 100, 160, 120, 150
    page[box[1]:box[3], box[0]:box[2]] = 0
    side = TILE_SIZE / scale
    tile = Tile(x0=x0, y0=y0, x1=x0 + side, y1=y0 + side, scale=scale, glyph_ids=("g",))
    rgb = crop_to_tile(page, tile)
    assert rgb.shape == (TILE_SIZE, TILE_SIZE, 3) and rgb.dtype == np.uint8
    assert (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 0] == rgb[..., 2]).all()
    tx0, ty0, tx1, ty1 = box_to_tile(box, tile)
    gray = rgb[..., 0].astype(np.float64)
    row = gray[int((ty0 + ty1) / 2)]
    col = gray[:, int((tx0 + tx1) / 2)]
    left, right = _edge_crossings(row, 127.5)
    top, bottom = _edge_crossings(col, 127.5)
    tol = 0.5  # tile px
    assert abs(left - tx0) < tol and abs(right - tx1) < tol
    assert abs(top - ty0) < tol and abs(bottom - ty1) < tol


def test_outside_the_page_is_paper():
    page = np.zeros((100, 100), np.uint8)  # all ink
    tile = Tile(x0=-100.0, y0=-100.0, x1=100.0, y1=100.0, scale=TILE_SIZE / 200, glyph_ids=())
    rgb = crop_to_tile(page, tile)
    q = TILE_SIZE // 2
    k = int(2 * tile.scale) + 1  # the bicubic kernel reaches 2 page px across the page edge
    assert (rgb[: q - k, : q - k] == 255).all()  # off-page quadrant
    assert (rgb[q + k:-k, q + k:-k] == 0).all()  # page quadrant (the page ends at the tile edge)
    off = Tile(x0=-5000.0, y0=0.0, x1=-4000.0, y1=1000.0, scale=1.024, glyph_ids=())
    assert (crop_to_tile(page, off) == 255).all()


def test_tile_map_back_to_page_crop():
    """A map drawn in tile space from page geometry comes back to the same page pixels."""
    tile = Tile(x0=50.5, y0=40.25, x1=50.5 + 256, y1=40.25 + 256, scale=4.0, glyph_ids=("g",))
    yy, xx = np.mgrid[0:TILE_SIZE, 0:TILE_SIZE] + 0.5
    px, py = tile_to_page(np.stack([xx, yy], -1), tile).transpose(2, 0, 1)
    tile_map = (px + 2 * py).astype(np.float32)  # a linear function of page position
    box = (70, 60, 90, 75)
    crop = tile_to_page_crop(tile_map, tile, box)
    r, c = np.mgrid[box[1]:box[3], box[0]:box[2]] + 0.5
    assert crop.shape == (15, 20)
    assert np.abs(crop - (c + 2 * r)).max() < 1e-2
    outside = tile_to_page_crop(tile_map, tile, (0, 0, 10, 10), fill=-7.0)
    assert (outside == -7.0).all()


def _line_boxes(n, y=1000, w=60, h=85, gap=30, x=500):
    return [(x + i * (w + gap), y, x + i * (w + gap) + w, y + h) for i in range(n)]


def test_every_glyph_once_whole_and_packing_rule():
    boxes = _line_boxes(12) + _line_boxes(6, y=1300, h=60)
    boxes.append((1100, 1340, 1112, 1352))  # a period on the second line
    lines = [0] * 12 + [1] * 7
    ids = [f"g{i}" for i in range(len(boxes))]
    shape = (7000, 5000)
    tiles = plan_tiles(boxes, shape, ids=ids, lines=lines, min_glyph_px=256)
    by_id = dict(zip(ids, boxes))
    line_of = dict(zip(ids, lines))

    def longer(b):
        return max(b[2] - b[0], b[3] - b[1])

    def eff(g):  # the size the rule protects: small marks count as half the line's median glyph
        ref = np.median([longer(b) for b, lab in zip(boxes, lines) if lab == line_of[g]])
        return max(longer(by_id[g]), SMALL_MARK_FRAC * ref)

    served = [g for t in tiles for g in t.glyph_ids]
    assert sorted(served) == sorted(ids) and len(served) == len(set(served))
    packed = 0
    for t in tiles:
        assert np.isclose(t.x1 - t.x0, TILE_SIZE / t.scale) and np.isclose(t.y1 - t.y0, TILE_SIZE / t.scale)
        assert len({line_of[g] for g in t.glyph_ids}) == 1
        idx = [ids.index(g) for g in t.glyph_ids]
        assert idx == list(range(idx[0], idx[0] + len(idx)))  # adjacent in reading order
        for g in t.glyph_ids:
            tb = box_to_tile(by_id[g], t)
            assert tb.min() >= 0 and tb.max() <= TILE_SIZE  # whole glyph inside
        if len(t.glyph_ids) > 1:
            packed += 1
            assert all(eff(g) * t.scale >= 256 - 1e-9 for g in t.glyph_ids)
    assert packed >= 3
    # greedy: a tile is closed only when taking the next glyph of its line would break the rule
    for t, nxt in zip(tiles[:-1], tiles[1:]):
        group = t.glyph_ids + (nxt.glyph_ids[0],)
        if line_of[group[-1]] != line_of[group[0]]:
            continue
        gb = np.array([by_id[g] for g in group], float)
        margin = max(0.25 * max(longer(b) for b in gb), MIN_MARGIN_PX)
        side = max(gb[:, 2].max() - gb[:, 0].min(), gb[:, 3].max() - gb[:, 1].min()) + 2 * margin
        assert min(eff(g) for g in group) * TILE_SIZE / side < 256
    # without packing: one glyph per tile, the glyph fills it
    single = plan_tiles(boxes, shape, ids=ids, lines=lines, pack=False)
    assert [t.glyph_ids for t in single] == [(i,) for i in ids]
    b = boxes[0]
    assert np.isclose((b[3] - b[1]) * single[0].scale, TILE_SIZE / 1.5)  # margin 0.25 of the longer side each side


def test_tiny_glyph_and_page_edge():
    shape = (300, 400)
    tiles = plan_tiles([(0, 0, 4, 4), (390, 290, 400, 300)], shape, pack=False)
    for t, b in zip(tiles, [(0, 0, 4, 4), (390, 290, 400, 300)]):
        tb = box_to_tile(b, t)
        assert tb.min() >= 0 and tb.max() <= TILE_SIZE
        assert t.x1 - t.x0 >= 4 + 2 * MIN_MARGIN_PX - 1e-9
        assert t.x0 >= 0 and t.x1 <= shape[1] and t.y0 >= 0 and t.y1 <= shape[0]  # shifted inside the page
