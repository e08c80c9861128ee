"""The one rasterizer (glyphseg.raster) and the one glyph-frame transform (Glyph.units_to_page_transform)."""
import math

import numpy as np
import pytest
from fontTools.misc.transform import Transform
from fontTools.ttLib import TTFont

from glyphseg.export import image_transformation, scan_crop_box
from glyphseg.geometry import drawing_to_shape
from glyphseg.raster import glyph_coverage, pixel_box, upright_frame
from glyphseg.templates import topology
from glyphseg.types import Glyph, Page

from conftest import font_path


@pytest.fixture(scope="module")
def serif():
    font = TTFont(font_path("serif"))
    return font.getGlyphSet(), font.getBestCmap()


def _rotation_matrix(scale, angle_deg, ox, oy):
    """Font units → page px: scale, rotate by angle (lines rising to the right), flip y, place the origin."""
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[scale * c, -scale * s, ox], [-scale * s, -scale * c, oy]])


@pytest.mark.parametrize("char", ["o", "B", "g", "ä", "&"])
@pytest.mark.parametrize("angle", [0.0, 2.0, -17.0])
def test_coverage_sums_to_the_glyphs_area(serif, char, angle):
    gs, cmap = serif
    name = cmap[ord(char)]
    scale = 0.06  # ≈ 14 pt at 600 dpi for a 2048-unit em
    m = _rotation_matrix(scale, angle, 40.3, 120.7)
    shape = drawing_to_shape(gs[name], lambda x, y: (m[0, 0] * x + m[0, 1] * y + m[0, 2],
                                                      m[1, 0] * x + m[1, 1] * y + m[1, 2]),
                             steps=64, glyph_set=gs)
    box = pixel_box(shape.bounds, pad=2)
    cov = glyph_coverage(gs[name], m, box, gs)
    assert cov.shape == (box[3] - box[1], box[2] - box[0])
    assert cov.min() >= 0.0 and cov.max() <= 1.0
    assert abs(cov.sum() - shape.area) < 0.01 * shape.area, (cov.sum(), shape.area)
    # nothing outside the padded ink box: the border rows and columns are empty
    assert cov[:1].sum() == cov[-1:].sum() == cov[:, :1].sum() == cov[:, -1:].sum() == 0.0


def test_o_has_a_hole_and_i_two_parts(serif):
    gs, cmap = serif
    for char, expect in (("o", (1, 1)), ("B", (1, 2)), ("i", (2, 0)), ("ä", (3, 1))):
        m, box = upright_frame(_bounds(gs, cmap[ord(char)]), 0.06, pad=2)
        cov = glyph_coverage(gs[cmap[ord(char)]], m, box, gs)
        assert topology(cov >= 0.5) == expect, char


def test_a_transform_and_a_matrix_render_the_same(serif):
    gs, cmap = serif
    m = _rotation_matrix(0.05, 3.0, 10.25, 90.5)
    t = Transform(m[0, 0], m[1, 0], m[0, 1], m[1, 1], m[0, 2], m[1, 2])
    a = glyph_coverage(gs[cmap[ord("R")]], m, (0, 0, 80, 110), gs)
    b = glyph_coverage(gs[cmap[ord("R")]], t, (0, 0, 80, 110), gs)
    assert np.array_equal(a, b) and a.sum() > 100


def test_the_box_only_crops(serif):
    """Rendering a sub-box gives exactly that part of a larger rendering."""
    gs, cmap = serif
    m = _rotation_matrix(0.07, 1.0, 15.6, 140.2)
    big = glyph_coverage(gs[cmap[ord("Q")]], m, (0, 0, 120, 170), gs)
    part = glyph_coverage(gs[cmap[ord("Q")]], m, (20, 30, 70, 100), gs)
    assert np.array_equal(part, big[30:100, 20:70])


def test_upright_frame_is_the_templates_old_transform(serif):
    """build_templates / refine_topology used FreeType's transform (s, 0, 0, s, pad − x0·s, pad − y0·s) on a
    size(extent·s) + 2·pad box directly: upright_frame reproduces it bit for bit."""
    from fontTools.pens.freetypePen import FreeTypePen

    gs, cmap = serif
    for char in "agQ&ä":
        name = cmap[ord(char)]
        x0, y0, x1, y1 = _bounds(gs, name)
        for s, pad, size in ((160.0 / 2048, 2, math.ceil), (0.0569661458, 3, int), (0.1234567, 2, math.ceil)):
            pen = FreeTypePen(gs)
            gs[name].draw(pen)
            old = pen.array(width=int(size((x1 - x0) * s)) + 2 * pad, height=int(size((y1 - y0) * s)) + 2 * pad,
                            transform=(s, 0, 0, s, pad - x0 * s, pad - y0 * s))
            new = glyph_coverage(gs[name], *upright_frame((x0, y0, x1, y1), s, pad=pad, size=size), gs)
            assert np.array_equal(old, new), (char, s)


def _bounds(gs, name):
    from fontTools.pens.boundsPen import BoundsPen

    bp = BoundsPen(gs)
    gs[name].draw(bp)
    return bp.bounds


# ------------------------------------------------------------------------------------------- the glyph frame

def _glyph(angle=2.0):
    return Glyph(id="g", page=0, bbox=(380, 250, 470, 390), components=(), origin=(401.37, 381.2),
                 units_per_px=8.77, angle=angle, advance=560)


def test_units_page_round_trip():
    rng = np.random.default_rng(0)
    xu, yu = rng.uniform(-300, 1300, 200), rng.uniform(-400, 1000, 200)
    for angle in (0.0, 2.0, -1.3, 45.0):
        g = _glyph(angle)
        x, y = g.units_to_page(xu, yu)
        bx, by = g.page_to_units(x, y)
        assert np.allclose(bx, xu, atol=1e-9) and np.allclose(by, yu, atol=1e-9)
        t = g.units_to_page_transform()
        assert t.transformPoint((float(xu[0]), float(yu[0]))) == pytest.approx((x[0], y[0]), abs=1e-9)
        assert t.inverse().transformPoint((float(x[0]), float(y[0]))) == pytest.approx((xu[0], yu[0]), abs=1e-9)


def test_the_transform_is_the_old_formula_at_two_degrees():
    """The manifest's mapping as README and glyphs.json state it (and as types.Glyph wrote it out before)."""
    g = _glyph(2.0)
    a = math.radians(2.0)
    k = g.units_per_px
    xu, yu = np.array([0.0, 560.0, -40.0, 700.0]), np.array([0.0, -200.0, 730.0, 515.0])
    x_old = g.origin[0] + (xu * math.cos(a) - yu * math.sin(a)) / k
    y_old = g.origin[1] - (xu * math.sin(a) + yu * math.cos(a)) / k
    x, y = g.units_to_page(xu, yu)
    assert np.allclose(x, x_old, rtol=0, atol=1e-10) and np.allclose(y, y_old, rtol=0, atol=1e-10)
    px, py = np.array([401.37, 300.0, 455.5]), np.array([381.2, 260.0, 399.0])
    dx, dy = (px - g.origin[0]) * k, (g.origin[1] - py) * k
    xu_old, yu_old = dx * math.cos(a) + dy * math.sin(a), -dx * math.sin(a) + dy * math.cos(a)
    bx, by = g.page_to_units(px, py)
    assert np.allclose(bx, xu_old, rtol=0, atol=1e-9) and np.allclose(by, yu_old, rtol=0, atol=1e-9)
    # the glyph's x axis rises to the right on the page by the angle
    (x0, x1), (y0, y1) = g.units_to_page(np.array([0.0, 1000.0]), np.array([0.0, 0.0]))
    assert math.degrees(math.atan2(y0 - y1, x1 - x0)) == pytest.approx(2.0)


def test_the_ufo_image_transformation_is_the_old_formula():
    page = Page(0, "p", 600, np.zeros((900, 1400), np.uint8))
    for angle in (0.0, 2.0, -1.3):
        g = _glyph(angle)
        box = scan_crop_box(g, page, 760, -240, 1000)
        x0, y0, x1, y1 = box
        k, a = g.units_per_px, math.radians(angle)
        c, s = math.cos(a), math.sin(a)
        bx, by = g.page_to_units(np.array([float(x0)]), np.array([float(y1)]))
        old = (round(k * c, 8), round(-k * s, 8), round(k * s, 8), round(k * c, 8), round(float(bx[0]), 4),
               round(float(by[0]), 4))
        assert tuple(image_transformation(g, box)) == pytest.approx(old, abs=1e-12)
        # and it puts the crop's top-left pixel corner where the glyph frame says
        t = image_transformation(g, box)
        u = g.page_to_units(np.array([float(x0)]), np.array([float(y0)]))
        assert t.transformPoint((0, y1 - y0)) == pytest.approx((u[0][0], u[1][0]), abs=1e-3)
