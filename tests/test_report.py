"""The HTML report in headless Chromium (every picture and the font load, no console errors, a screenshot
artefact), the UFO's background images (aligned with the manifest's mapping, skew included), and the
report's speed.

Chromium is Debian's `chromium` (installed by setup.sh, which .ci/run calls), driven over the Chrome DevTools
Protocol on 127.0.0.1: Network.loadingFailed catches any file the page cannot load, Runtime and Log events
any console error, CSS.getPlatformFontsForNode proves the sample is set in the extracted font.
"""
import base64
import copy
import json
import math
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import cv2
import numpy as np
import pytest
import ufoLib2
from fontTools.misc.transform import Transform
from PIL import Image

from glyphseg.export import add_background_images, build_ufo, write_extraction
from glyphseg.pipeline import ExtractOptions, extract
from glyphseg.report import FONT_FAMILY_CSS, _mask_crop, glyph_warnings, write_report

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEMO_TEXT = ROOT / "specimens" / "dejavu-serif-specimen.txt"
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
                  "--force-device-scale-factor=1", "--remote-debugging-address=127.0.0.1",
                  "--remote-debugging-port=0"]


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError("headless Chromium missing: apt-get install chromium (setup.sh installs it; .ci/run calls it)")


class Browser:
    """Headless Chromium with one page, driven over CDP (a websocket on 127.0.0.1), recording every event."""

    def __init__(self, width=1280, height=1600):
        import websocket  # websocket-client

        self.profile = tempfile.mkdtemp(prefix="glyphseg-chromium-")
        self.proc = subprocess.Popen([chromium_binary(), *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}",
                                      f"--window-size={width},{height}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.poll() is not None else ""
                self.close()
                raise RuntimeError(f"Chromium did not start its DevTools endpoint: {err[-2000:]}")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            targets = json.load(r)
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []
        for domain in ("Page", "Network", "Runtime", "Log", "DOM", "CSS"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=False)

    def call(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e["method"] == method for e in self.events):
                return
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)
        raise TimeoutError(method)

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"page script failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def screenshot(self, path, full_page=False):
        params = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
        data = self.call("Page.captureScreenshot", **params)["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self):
        try:
            if getattr(self, "ws", None) is not None:
                self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def demo_extraction(demo_pdf):
    opt = ExtractOptions(dpi=300, text=DEMO_TEXT.read_text(encoding="utf-8"), segmenter="threshold",
                         family="Demo Serif")
    return extract([demo_pdf], opt)


@pytest.fixture(scope="module")
def report_out(demo_extraction, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "out"
    write_extraction(demo_extraction, str(out), extra_writers=[write_report])
    return out


def _problems(events):
    """Failed requests and console errors among the recorded CDP events."""
    out = []
    for e in events:
        p = e.get("params", {})
        if e["method"] == "Network.loadingFailed":
            out.append(f"failed request {p.get('errorText')} ({p.get('type')}) {p.get('blockedReason', '')}")
        elif e["method"] == "Network.responseReceived" and p["response"].get("status", 200) >= 400:
            out.append(f"HTTP {p['response']['status']}: {p['response']['url']}")
        elif e["method"] == "Runtime.exceptionThrown":
            out.append(f"exception: {p['exceptionDetails'].get('text')} {p['exceptionDetails'].get('exception')}")
        elif e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
            out.append(f"console.{p['type']}: {[a.get('value', a.get('description')) for a in p.get('args', [])]}")
        elif e["method"] == "Log.entryAdded" and p["entry"].get("level") in ("error", "warning"):
            out.append(f"log {p['entry']['level']}: {p['entry'].get('text')} {p['entry'].get('url', '')}")
    return out


def test_report_in_headless_chromium(report_out, tmp_path):
    html_path = report_out / "report.html"
    report_files = {p.resolve() for p in (report_out / "report").rglob("*") if p.is_file()}
    browser = Browser()
    try:
        browser.call("Page.navigate", url=html_path.as_uri())
        browser.wait_for("Page.loadEventFired")
        state = browser.evaluate("""document.fonts.ready.then(() => {
            const fonts = []; document.fonts.forEach(f => fonts.push([f.family.replace(/["']/g, ''), f.status]));
            const imgs = Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, i.naturalWidth]);
            return {fonts, imgs, status: document.getElementById('font-status').dataset.state,
                    cards: document.querySelectorAll('.card').length,
                    sample: document.querySelector('.sample').textContent,
                    clippedNames: Array.from(document.querySelectorAll('.card .meta code'))
                        .filter(c => c.scrollWidth > c.clientWidth + 1 || c.getBoundingClientRect().right >
                                     c.closest('.card').getBoundingClientRect().right + 1)
                        .map(c => c.textContent),
                    firstSection: document.querySelector('main > section').id};
        })""")
        # the sample line is set in the extracted font, nothing else
        doc = browser.call("DOM.getDocument", depth=1)
        node = browser.call("DOM.querySelector", nodeId=doc["root"]["nodeId"], selector=".sample")["nodeId"]
        used = browser.call("CSS.getPlatformFontsForNode", nodeId=node)["fonts"]
        shot = tmp_path / "report-screenshot.png"
        browser.screenshot(shot)
        full = tmp_path / "report-fullpage.png"
        browser.screenshot(full, full_page=True)
        time.sleep(0.2)  # let late events (e.g. a failing request) arrive
        browser.call("Runtime.evaluate", expression="1")
        events = list(browser.events)
    finally:
        browser.close()
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "report-screenshot.png")
    shutil.copy(full, ARTIFACTS / "report-fullpage.png")

    assert not _problems(events), _problems(events)
    bad = [i for i in state["imgs"] if not (i[1] and i[2] > 0)]
    assert state["imgs"] and not bad, bad
    assert [FONT_FAMILY_CSS, "loaded"] in state["fonts"], state["fonts"]
    assert state["status"] == "loaded"
    assert len(used) == 1 and used[0]["isCustomFont"], used
    assert used[0]["familyName"] == "Demo Serif" and used[0]["glyphCount"] == len(state["sample"]) >= 10
    assert state["firstSection"] == "font"  # the font and the summary come first
    assert not state["clippedNames"], state["clippedNames"]  # long glyph names wrap, none is cut off
    # every file of the report folder was requested, and loaded (no loadingFailed above)
    requested = {Path(urllib.request.url2pathname(e["params"]["request"]["url"][len("file://"):])).resolve()
                 for e in events if e["method"] == "Network.requestWillBeSent"
                 and e["params"]["request"]["url"].startswith("file://")}
    assert report_files <= requested, sorted(str(p) for p in report_files - requested)[:5]
    assert state["cards"] == len(json.loads((report_out / "glyphs.json").read_text())["glyphs"])
    img = Image.open(shot)
    assert img.size == (1280, 1600) and np.asarray(img.convert("L")).std() > 10  # not a blank page


def test_report_is_fast_and_robust(demo_extraction, tmp_path):
    """~100 glyph cards in well under 2 s; glyphs outside the font (name None) get cards too."""
    ex = demo_extraction
    assert len(ex.glyphs) >= 90 and any(g.name is None for g in ex.glyphs)
    font = build_ufo(ex)
    t = time.perf_counter()
    write_report(ex, str(tmp_path), font)
    assert time.perf_counter() - t < 2.0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count('class="card ') == len(ex.glyphs)
    assert "not in the font" in html
    # warnings other stages may add later are read with defaults
    g = next(g for g in ex.glyphs if g.char and g.score >= 0.6)
    assert glyph_warnings(ex, g) == []
    g.topology_ok, g.split = False, True
    try:
        assert glyph_warnings(ex, g) == ["topology mismatch", "touching neighbour split"]
    finally:
        del g.topology_ok, g.split
    low = next(g for g in ex.glyphs if g.char)
    old = low.score
    try:
        low.score = 0.1
        assert "low confidence" in glyph_warnings(ex, low)
        low.score = 0.5
        assert "label unsure" in glyph_warnings(ex, low)
    finally:
        low.score = old


class _Cards(HTMLParser):
    """The text of every card's name (`.meta code`) and the <title>, from the HTML as a browser parses it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.names, self.title, self.scripts, self._in = [], "", 0, None
        self._card = False

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        self._card = self._card or (tag == "article" and cls.startswith("card "))
        self.scripts += tag == "script"
        if tag == "title" and not self.title:
            self._in = "title"
        elif tag == "code" and self._card:
            self._in = "name"
            self.names.append("")

    def handle_endtag(self, tag):
        if tag in ("title", "code"):
            self._in = None
        if tag == "article":
            self._card = False

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "name":
            self.names[-1] += data


def test_report_escapes_names_and_shows_them_whole(demo_extraction, tmp_path):
    """Names, family, notes and sources come from the user: Jinja2 escapes them, and the cards show every
    glyph name in full (the page wraps long names instead of cutting them off)."""
    ex = copy.copy(demo_extraction)
    font = build_ufo(ex)
    ex.glyphs = [copy.copy(g) for g in ex.glyphs]
    ex.family, ex.style = 'Fam & <i>"Sans"</i>', "Reg'ular"
    ex.notes = ["<script>alert(1)</script> & more"]
    evil = next(g for g in ex.glyphs if g.char)
    evil.name = "<script>alert('x')</script>"
    evil.char = '<&">'
    write_report(ex, str(tmp_path), font)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<i>" not in html and "alert(1)</script>" not in html and "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    parsed = _Cards()
    parsed.feed(html)
    assert parsed.scripts == 1  # the report's own script, nothing injected
    assert parsed.title == f"glyphseg report: {ex.family} {ex.style}"
    expected = [g.name or "—" for g in sorted((g for g in ex.glyphs if g.name is not None),
                                               key=lambda g: (g.page, g.line, g.order))]
    assert parsed.names[:len(expected)] == expected  # the full names, the injected one as text
    assert "adieresis" in parsed.names and "question" in parsed.names


def test_report_dims_neighbouring_glyphs(demo_pdf, tmp_path):
    """Each card's scan crop is the UFO's background image with the neighbours' ink faded to near paper: the
    glyph's own ink stays as scanned. (The specimen's spacing kept as printed: its frames reach halfway into
    the letterspaced gaps, where neighbours show; the face's own spacing leaves few of them in a frame.)"""
    ex = extract([demo_pdf], ExtractOptions(dpi=300, text=DEMO_TEXT.read_text(encoding="utf-8"),
                                            segmenter="threshold", tracking=0.0))
    report_out = tmp_path / "out"
    write_extraction(ex, str(report_out), extra_writers=[write_report])
    m = json.loads((report_out / "glyphs.json").read_text())
    ufo = ufoLib2.Font.open(report_out / m["ufo"])
    pages = {p.index: p for p in ex.pages}
    dimmed = 0
    for g in ex.glyphs:
        if g.name is None or ex.masks.get(g.id) is None:
            continue
        x0, y0, x1, y1 = ufo[g.name].lib["com.glyphseg.image"]["box"]
        scan = np.asarray(Image.open(report_out / "report" / "scan" / f"{g.id}.png"))
        crop = pages[g.page].image[y0:y1, x0:x1]
        assert scan.shape == crop.shape
        own = _mask_crop(ex, g, (x0, y0, x1, y1))
        assert np.array_equal(scan[own], crop[own])  # the glyph itself: untouched
        others = np.zeros_like(own)
        for o in ex.glyphs:
            if o.page == g.page and o.id != g.id and ex.masks.get(o.id) is not None:
                others |= _mask_crop(ex, o, (x0, y0, x1, y1))
        near = cv2.dilate(own.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))) > 0
        others &= ~near  # the glyph's own edge (1 px around its mask) is never dimmed
        if others.any():
            assert scan[others].min() > 200  # neighbours' ink: faded to near paper
            dimmed += crop[others].min() < 100
    assert dimmed >= 20  # the sample lines set letters close together: most crops show a neighbour


def _check_background_images(ex, ufo):
    """For every glyph: each pixel of its background image, placed through the image transformation, lands
    where `Glyph.page_to_units` puts the same scan pixel — and shows the same grey."""
    pages = {p.index: p for p in ex.pages}
    checked = 0
    for g in ex.glyphs:
        if g.name is None:
            continue
        glyph = ufo[g.name]
        assert glyph.image.fileName == f"{g.id}.png"
        png = np.asarray(Image.open(__import__("io").BytesIO(ufo.images[glyph.image.fileName])))
        h, w = png.shape
        x0, y0, x1, y1 = glyph.lib["com.glyphseg.image"]["box"]
        assert (x1 - x0, y1 - y0) == (w, h)
        page = pages[g.page]
        assert np.array_equal(png, page.image[y0:y1, x0:x1])
        t = Transform(*glyph.image.transformation)
        # pixel centres (c + ½, r + ½) of the image; UFO images sit with their bottom-left corner at the origin,
        # y up: image point (u, v) = (c + ½, h − r − ½)
        r, c = np.mgrid[0:h:7, 0:w:5]
        u, v = c.ravel() + 0.5, h - r.ravel() - 0.5
        xu = t.xx * u + t.yx * v + t.dx
        yu = t.xy * u + t.yy * v + t.dy
        exu, eyu = g.page_to_units(x0 + c.ravel() + 0.5, y0 + r.ravel() + 0.5)
        assert np.allclose(xu, exu, atol=1e-3) and np.allclose(yu, eyu, atol=1e-3)  # font units
        # and back: font units → page (the manifest's formula) hits the pixel the image shows there
        px, py = g.units_to_page(xu, yu)
        assert np.allclose(px, x0 + c.ravel() + 0.5, atol=1e-4) and np.allclose(py, y0 + r.ravel() + 0.5, atol=1e-4)
        checked += 1
    return checked


def test_background_images_align_with_the_manifest(report_out, demo_extraction):
    m = json.loads((report_out / "glyphs.json").read_text())
    ufo = ufoLib2.Font.open(report_out / m["ufo"])
    assert _check_background_images(demo_extraction, ufo) == sum(1 for g in m["glyphs"] if g["name"])
    assert sorted(os.listdir(report_out / m["ufo"] / "images"))[0].endswith(".png")
    # the image transformation agrees with the manifest's own numbers too
    g = next(g for g in m["glyphs"] if g["name"] == "H")
    t = Transform(*ufo["H"].image.transformation)
    x0, y0, x1, y1 = ufo["H"].lib["com.glyphseg.image"]["box"]
    px, py = g["bbox"][0] + 0.5, g["bbox"][1] + 0.5  # a scan pixel
    u, v = px - x0, (y1 - y0) - (py - y0)
    xu, yu = t.transformPoint((u, v))
    a = math.radians(g["angle"])
    ox, oy = g["origin"]
    k = g["units_per_px"]
    dx, dy = (px - ox) * k, (oy - py) * k
    assert abs(xu - (dx * math.cos(a) + dy * math.sin(a))) < 0.05
    assert abs(yu - (-dx * math.sin(a) + dy * math.cos(a))) < 0.05


def test_background_images_on_a_skewed_scan():
    """A rotated page: the image transformation carries the rotation, so the scan lies under the upright
    outline; its on-curve points fall on the glyph's ink."""
    from conftest import font_path
    from glyphseg.types import Page
    from glyphseg.specimen import render_specimen, rotate_specimen

    spec = rotate_specimen(render_specimen(font_path("serif"), ["HOnoa"], dpi=300, size_pt=18), 2.0)
    page = Page(index=0, source="skewed.png", dpi=300, image=spec.image)
    ex = extract([], ExtractOptions(text="HOnoa", segmenter="threshold"), pages=[page])
    assert abs(ex.glyphs[0].angle) > 0.5  # skewed: the page frame and the font frame differ by a rotation
    font = build_ufo(ex)
    add_background_images(font, ex)
    assert _check_background_images(ex, font) == 5
    t = Transform(*font["H"].image.transformation)
    assert abs(math.degrees(math.atan2(-t.xy, t.xx)) - ex.glyphs[0].angle) < 1e-4  # the rotation is in there
    # the outline's on-curve points, mapped into the image, sit on ink (dark) or its antialiased edge
    png = np.asarray(Image.open(__import__("io").BytesIO(font.images[font["H"].image.fileName])))
    h, w = png.shape
    inv = t.inverse()
    dark = []
    for contour in font["H"]:
        for p in contour.points:
            if p.type is None:
                continue
            u, v = inv.transformPoint((p.x, p.y))
            c, r = int(u), int(h - v)
            win = png[max(0, r - 1):r + 2, max(0, c - 1):c + 2]
            dark.append(win.min() < 128)
    assert dark and np.mean(dark) > 0.9


def test_font_metrics_agree_and_cover_the_ink(demo_extraction):
    """What fontbakery's universal profile checks of a font's metrics: OS/2 typo and hhea agree, win ascent and
    descent cover every glyph, USE_TYPO_METRICS is set, and the no-break space is there beside the space."""
    import ufo2ft

    otf = ufo2ft.compileOTF(build_ufo(demo_extraction), useProductionNames=False)
    os2, hhea, head = otf["OS/2"], otf["hhea"], otf["head"]
    assert (hhea.ascent, hhea.descent, hhea.lineGap) == (os2.sTypoAscender, os2.sTypoDescender, os2.sTypoLineGap)
    assert os2.sTypoAscender - os2.sTypoDescender + os2.sTypoLineGap == 1200
    assert os2.usWinAscent >= head.yMax and os2.usWinDescent >= -head.yMin
    assert os2.usWinAscent < 2 * head.yMax  # covering, not inflated
    assert os2.fsSelection & (1 << 7)
    cmap = otf.getBestCmap()
    assert 0x20 in cmap and 0xA0 in cmap
    assert otf["hmtx"][cmap[0xA0]][0] == otf["hmtx"][cmap[0x20]][0] > 0


def test_kern_pairs_reach_the_ufo_and_the_manifest(demo_extraction):
    import dataclasses

    from glyphseg.export import manifest

    ex = dataclasses.replace(demo_extraction, kerning={("A", "V"): (-40, 3), ("A", "€"): (-20, 4)})
    font = build_ufo(ex)
    names = {chr(u): g.name for g in font for u in g.unicodes}
    assert dict(font.kerning) == {(names["A"], names["V"]): -40}  # a pair with a character not in the font: left out
    kerning = manifest(ex, "x.ufo")["spacing"]["kerning"]
    assert {"left": "A", "right": "V", "value": -40, "seen": 3} in kerning


def test_the_tracking_taken_out_reaches_the_manifest_and_the_report(demo_extraction, tmp_path):
    """The demo specimen is letterspaced (0.12 em): the manifest records the tracking taken out of the spacing
    and its estimate, and the report says how the advance widths were found."""
    import dataclasses

    from glyphseg.export import manifest

    spacing = manifest(demo_extraction, "x.ufo")["spacing"]
    assert 0.08 < spacing["tracking"] == spacing["tracking_estimate"] < 0.16
    ex = dataclasses.replace(demo_extraction, tracking=0.0)  # as --tracking 0 would leave it
    assert manifest(ex, "x.ufo")["spacing"]["tracking"] == 0
    write_report(ex, str(tmp_path), build_ufo(ex))
    assert "as printed, as asked (the letters&#39; counters suggest a tracking of +0.1" in (
        tmp_path / "report.html").read_text(encoding="utf-8")


def test_cards_say_which_outlines_are_consensus(demo_extraction, tmp_path):
    import dataclasses

    g = next(g for g in demo_extraction.glyphs if g.char == "a")
    ex = dataclasses.replace(demo_extraction, consensus={g.id: 4})
    write_report(ex, str(tmp_path), build_ufo(ex))
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count("outline of 4 prints") == 1
