"""Export: the output folder — manifest, UFO, SVGs, page masks — written whole or not at all.

Everything is written into a temporary folder beside the destination and renamed into place at the end,
so an interrupted or failed run never leaves a half-written output folder.

Each UFO glyph carries its piece of the scan as a background image (UFO3 `images/` + the glyph's `image`
element), placed through the manifest's mapping so that the scan lies exactly under the outline in a
font editor — rotation of a skewed page included.
"""
from __future__ import annotations

import functools
import json
import math
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from typing import List, Tuple

import cv2
import numpy as np
import ufoLib2
from ufoLib2.objects import Image as UfoImage
from fontTools.misc.transform import Transform
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from PIL import Image

from .segment import page_mask
from .types import Extraction, Glyph, GlyphsegError, Page

MANIFEST_VERSION = 1
IMAGE_MARGIN_EM = 0.08  # scan shown around the glyph's em box (advance × descender…ascender) in its image


def ufo_filename(family: str, style: str) -> str:
    def clean(s):
        return re.sub(r"[^A-Za-z0-9]+", "", s) or "Untitled"

    return f"{clean(family)}-{clean(style)}.ufo"


def build_ufo(ex: Extraction) -> ufoLib2.Font:
    """A UFO3 font: one glyph per instance (first instance of a character named and encoded, alternates
    unencoded), metrics from the specimen."""
    font = ufoLib2.Font()
    info = font.info
    m = ex.metrics
    info.familyName = ex.family
    info.styleName = ex.style
    info.unitsPerEm = m.units_per_em
    info.ascender = m.ascender
    info.descender = m.descender
    info.xHeight = m.x_height
    info.capHeight = m.cap_height
    info.italicAngle = m.italic_angle
    if m.italic_angle:  # a sloped face: the italic style-map bit (OS/2 fsSelection ITALIC, head macStyle)
        info.styleMapStyleName = "italic"
    info.versionMajor, info.versionMinor = 1, 0
    info.note = "Extracted by glyphseg from: " + ", ".join(sorted({p.source for p in ex.pages}))
    unicodes = ex.unicodes
    order = []
    # the space and the no-break space (which text layout and font checks expect beside it), same width
    for name, code in (("space", 0x20), ("nbspace", 0xA0)):
        if name not in unicodes and code not in unicodes.values():
            blank = font.newGlyph(name)
            blank.unicodes = [code]
            blank.width = space_width(ex)
            order.append(name)
    for g in ex.glyphs:
        if g.name is None:  # matched no character of the transcript
            continue
        if g.name in font:  # a print fused into a consensus outline that an earlier print of it holds
            continue
        outline = ex.outlines.get(g.id)
        glyph = font.newGlyph(g.name)
        u = unicodes.get(g.name)
        glyph.unicodes = [u] if u is not None else []
        glyph.width = max(0, g.advance)
        if outline is not None:
            outline.drawPoints(glyph.getPointPen())
        glyph.lib["com.glyphseg.instance"] = g.id
        order.append(g.name)
    font.glyphOrder = order
    set_vertical_metrics(font, ex.outlines.values())
    encoded = {chr(code): name for name, code in unicodes.items() if code is not None and name in font}
    for (left, right), (value, _) in sorted(ex.kerning.items()):
        if left in encoded and right in encoded:
            font.kerning[(encoded[left], encoded[right])] = value
    return font


def space_width(ex: Extraction) -> int:
    """The word space's width: the spacing stage's, or a quarter em (--no-spacing)."""
    return ex.space_width if ex.space_width is not None else int(round(0.25 * ex.metrics.units_per_em))


LINE_SPACING_EM = 1.2  # the font's default line spacing (typo ascender − descender + line gap), in em


def set_vertical_metrics(font: ufoLib2.Font, outlines) -> None:
    """OS/2 typo, hhea and win metrics that agree with each other and cover the ink (what fonts must have for
    text to lay out the same everywhere): typo and hhea ascender/descender are the specimen's, the line gap
    makes a line 1.2 em, win ascent/descent reach the highest and lowest point of any outline, and
    USE_TYPO_METRICS says to use the typo values."""
    info = font.info
    upem = info.unitsPerEm
    ys = [y for o in outlines for c in o.contours for (_, y, _) in c]
    asc, desc = info.ascender, info.descender
    gap = max(0, int(round(LINE_SPACING_EM * upem)) - (asc - desc))
    info.openTypeOS2TypoAscender, info.openTypeOS2TypoDescender, info.openTypeOS2TypoLineGap = asc, desc, gap
    info.openTypeHheaAscender, info.openTypeHheaDescender, info.openTypeHheaLineGap = asc, desc, gap
    # (control points bound a curve: the highest of them is at or above its highest point)
    info.openTypeOS2WinAscent = max(asc, int(math.ceil(max(ys, default=asc))))
    info.openTypeOS2WinDescent = max(-desc, int(math.ceil(-min(ys, default=desc))))
    info.openTypeOS2Selection = sorted(set(info.openTypeOS2Selection or []) | {7})


def scan_crop_box(g: Glyph, page: Page, ascender: int, descender: int, upm: int = 1000,
                  margin_em: float = IMAGE_MARGIN_EM) -> Tuple[int, int, int, int]:
    """The page pixels (x0, y0, x1, y1; end exclusive) that show glyph `g` in its font-unit frame: the em box
    from 0 to the advance and from the descender to the ascender, with a margin, joined with the ink box and
    clipped to the page."""
    m = margin_em * upm
    xs = np.array([-m, max(g.advance, 1) + m])
    ys = np.array([descender - m, ascender + m])
    xu, yu = np.meshgrid(xs, ys)
    px, py = g.units_to_page(xu.ravel(), yu.ravel())
    x0 = min(int(np.floor(px.min())), g.bbox[0])
    y0 = min(int(np.floor(py.min())), g.bbox[1])
    x1 = max(int(np.ceil(px.max())), g.bbox[2])
    y1 = max(int(np.ceil(py.max())), g.bbox[3])
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(page.width, x1), min(page.height, y1)
    return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)


def image_transformation(g: Glyph, crop_box: Tuple[int, int, int, int]) -> Transform:
    """The UFO image transformation that puts a crop of the page under glyph `g`'s outline.

    A UFO image lies in the glyph's coordinates with its bottom-left corner at the origin, one unit per
    pixel, y up (font editors draw it so: defcon/RoboFont, fontParts); the transformation then maps those
    image units to font units. Page pixel (px, py) of a crop (x0, y0)–(x1, y1) is image point
    (u, v) = (px − x0, (y1 − y0) − (py − y0)), i.e. page (px, py) = (x0 + u, y1 − v); composed with the glyph
    frame's inverse (`Glyph.units_to_page_transform().inverse()`) that is one affine map: scale
    `units_per_px`, rotation by the page's skew `angle`, and an offset.
    """
    x0, y0, x1, y1 = crop_box
    image_to_page = Transform(1, 0, 0, -1, x0, y1)
    t = g.units_to_page_transform().inverse().transform(image_to_page)
    # rounded for a readable .glif: far below a thousandth of a font unit over the whole image
    return Transform(*(round(float(v), 8) for v in t[:4]), *(round(float(v), 4) for v in t[4:]))


def add_background_images(font: ufoLib2.Font, ex: Extraction) -> None:
    """Give every glyph of `font` that came from a scanned instance its scan crop as background image.

    The crops go into the UFO's `images/` folder as PNG (what UFO3 requires), named after the instance id
    (unique, file-system safe); the glyph's image transformation aligns the crop with the outline.
    """
    pages = {p.index: p for p in ex.pages}
    m = ex.metrics
    for g in ex.glyphs:
        if g.name is None or g.name not in font:
            continue
        page = pages[g.page]
        box = scan_crop_box(g, page, m.ascender, m.descender, m.units_per_em)
        x0, y0, x1, y1 = box
        ok, png = cv2.imencode(".png", np.ascontiguousarray(page.image[y0:y1, x0:x1]))
        if not ok:  # pragma: no cover - cv2 encodes any uint8 array
            continue
        file_name = f"{g.id}.png"
        font.images[file_name] = png.tobytes()
        glyph = font[g.name]
        glyph.image = UfoImage(fileName=file_name, transformation=image_transformation(g, box))
        glyph.lib["com.glyphseg.image"] = {"page": g.page, "box": [int(v) for v in box]}


def glyph_svg(outline, advance: int, ascender: int, descender: int) -> str:
    """One glyph as a standalone SVG: font units, y flipped so the ascender is at the top."""
    pen = SVGPathPen(None)
    outline.draw(TransformPen(pen, (1, 0, 0, -1, 0, ascender)))
    height = ascender - descender
    width = max(advance, 1)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width / 10:g}" height="{height / 10:g}">\n'
            f'  <path fill="black" fill-rule="nonzero" d="{pen.getCommands()}"/>\n</svg>\n')


def font_fields(ex: Extraction) -> dict:
    """The manifest's `font` object for an extraction (or one face's view of it)."""
    m = ex.metrics
    return {"familyName": ex.family, "styleName": ex.style, "unitsPerEm": m.units_per_em, "ascender": m.ascender,
            "descender": m.descender, "xHeight": m.x_height, "capHeight": m.cap_height,
            "italicAngle": m.italic_angle}


def face_ufo_names(ex: Extraction) -> list:
    """Each face's UFO file name (one entry, the font's, when the extraction has no faces list)."""
    if not ex.faces:
        return [ufo_filename(ex.family, ex.style)]
    names = []
    for k in range(len(ex.faces)):
        view = ex.face_view(k)
        name = ufo_filename(view.family, view.style)
        while name in names:  # two faces given one family name: keep both fonts
            name = name[:-4] + f"-{k + 1}.ufo"
        names.append(name)
    return names


def manifest(ex: Extraction, ufo_name: str) -> dict:
    ufo_names = face_ufo_names(ex)
    return {
        "version": MANIFEST_VERSION,
        "pages": [{"index": p.index, "width": p.width, "height": p.height, "dpi": p.dpi, "source": p.source,
                   "source_page": p.source_page} for p in ex.pages],
        # the main face (the one with the most glyphs); every face, the main one first, in `faces`
        "font": font_fields(ex),
        "ufo": ufo_name,
        "faces": [{"font": font_fields(ex.face_view(k)), "ufo": ufo_names[k], "sizes_pt": f.sizes_pt,
                   "style_features": f.features,
                   "glyphs": sum(1 for g in ex.glyphs if g.face == k)} for k, f in enumerate(ex.faces)],
        # what is on the page but no type: kept out of the fonts
        "elements": [{"kind": e.kind, "bbox": list(e.bbox), "page": e.page} for e in ex.elements],
        "segmenter": ex.timings.get("segmenter"),
        "glyphs": [{"id": g.id, "page": g.page, "line": g.line, "face": g.face, "bbox": list(g.bbox),
                    "char": g.char, "name": g.name, "score": round(float(g.score), 4),
                    "origin": [round(g.origin[0], 3), round(g.origin[1], 3)],
                    "units_per_px": round(g.units_per_px, 6), "angle": round(g.angle, 4), "advance": g.advance,
                    "refined": g.refined, "topology_ok": g.topology_ok,
                    "spacing": _face_of(ex, g).spacing.get(g.id, "split"),
                    "consensus": _face_of(ex, g).consensus.get(g.id)}
                   for g in ex.glyphs],
        # how the side bearings were found: solved from every gap between neighbours ("gaps"), with reference
        # bearings where the gaps leave them open ("prior"), or half of each gap ("split", --no-spacing);
        # less the specimen's tracking (see glyphseg/spacing.py). The main face's; each face's in
        # `faces_spacing` when there are several
        "spacing": spacing_fields(ex),
        **({"faces_spacing": [spacing_fields(ex.face_view(k)) for k in range(len(ex.faces))]}
           if len(ex.faces) > 1 else {}),
        "timings": {k: v for k, v in ex.timings.items() if isinstance(v, (int, float))},
        "notes": ex.notes,
    }


def _face_of(ex: Extraction, g):
    """The record holding glyph g's face's spacing and consensus (the extraction itself without faces)."""
    return ex.faces[g.face] if ex.faces else ex


def spacing_fields(ex: Extraction) -> dict:
    return {"method": "gaps" if ex.spacing else "split",
            # em taken out of every advance (half from each side bearing): set the font with this tracking to
            # match the page; the estimate (None: no n, o or H labelled) whether or not it was taken out
            "tracking": round(ex.tracking, 4),
            "tracking_estimate": None if ex.tracking_estimate is None else round(ex.tracking_estimate, 4),
            "space": space_width(ex),
            # kern pairs: only where a pair's gaps repeat the same departure from RSB + LSB
            "kerning": [{"left": a, "right": b, "value": v, "seen": n} for (a, b), (v, n) in sorted(ex.kerning.items())]}


# ----------------------------------------------------------------------------------------------------------
# The output folder: which paths glyphseg may write or replace, the lock, the atomic rename.

OUTPUT_MARKER = ".glyphseg-output"  # in every output folder: one line of JSON (glyphseg version, entries)
_OWNER_FILE = ".glyphseg-owner"  # in a temporary folder while a run writes it: the owner process
_TEMP_PREFIX = ".glyphseg-"  # temporary folders beside OUTDIR
_LOCK_SUFFIX = ".glyphseg-lock"  # .OUTDIR.glyphseg-lock beside OUTDIR while a run holds it
_IGNORED_ENTRIES = {".DS_Store", "Thumbs.db", "desktop.ini"}  # written by file browsers, not by users


def _within(path: str, folder: str) -> bool:
    """`path` is `folder` or lies inside it (both absolute, symbolic links resolved)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def read_output_marker(folder: str):
    """The marker of a folder glyphseg wrote (a dict), or None: `.glyphseg-output` holding one line of JSON,
    beside the `glyphs.json` manifest."""
    try:
        with open(os.path.join(folder, OUTPUT_MARKER), encoding="utf-8") as fh:
            marker = json.loads(fh.readline())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(marker, dict) or "glyphseg" not in marker:
        return None
    return marker if os.path.isfile(os.path.join(folder, "glyphs.json")) else None


def check_output_dir(outdir: str, inputs=(), force: bool = False) -> str:
    """Refuse, with a one-line GlyphsegError, an output path that glyphseg must not write or replace; return it
    absolute. No side effects: the CLI calls it (through `atomic_output_dir`) before any work.

    Never replaced, with or without --force: the current folder or a folder holding it, the home folder, `/`,
    a folder holding an input, an existing file, a symbolic link, a non-empty folder glyphseg did not write
    (no marker), or a glyphseg folder holding files glyphseg did not write. An empty folder may be used
    (with --force, like any existing folder)."""
    path = os.path.abspath(outdir)
    real = os.path.realpath(path)
    if os.path.basename(path).startswith(_TEMP_PREFIX):
        raise GlyphsegError(f"{path}: names starting with {_TEMP_PREFIX!r} are glyphseg's temporary folders; "
                            "give -o another name")
    protected = [(os.path.realpath(os.sep), "the root folder")]
    try:
        protected.append((os.path.realpath(os.getcwd()), "the current folder"))
    except OSError:  # the current folder was removed
        pass
    home = os.path.expanduser("~")
    if home != "~":
        protected.append((os.path.realpath(home), "your home folder"))
    for folder, what in protected:
        if _within(folder, real):
            where = "is" if folder == real else "holds"
            raise GlyphsegError(f"{path}: {where} {what}; glyphseg writes (and with --force replaces) the whole "
                                "output folder: give -o a new folder")
    for inp in inputs:
        if _within(os.path.realpath(inp), real):
            where = "is" if os.path.realpath(inp) == real else "holds"
            raise GlyphsegError(f"{path}: {where} the input {inp}; give -o a new folder for the output")
    above = os.path.dirname(real)
    while not os.path.lexists(above):
        above = os.path.dirname(above)
    if not os.path.isdir(above):
        raise GlyphsegError(f"{path}: cannot create it, {above} is a file")
    if not os.access(above, os.W_OK | os.X_OK):
        raise GlyphsegError(f"{path}: cannot write in {above} (permission denied)")
    if os.path.islink(path):
        raise GlyphsegError(f"{path}: is a symbolic link; give -o the folder itself, or a new name")
    if not os.path.lexists(path):
        return path
    if not os.path.isdir(path):
        raise GlyphsegError(f"{path}: is a file, not a folder; give -o a new folder for the output")
    try:
        entries = set(os.listdir(path)) - _IGNORED_ENTRIES
    except OSError as e:
        raise GlyphsegError(f"{path}: cannot read it ({e.strerror})") from None
    if entries:
        marker = read_output_marker(path)
        if marker is None:
            why = ("has no .glyphseg-output marker (an older glyphseg's output?)" if "glyphs.json" in entries
                   else "is not a folder glyphseg wrote")
            raise GlyphsegError(f"{path}: already exists and {why}; --force replaces only glyphseg's own output "
                                "folders: remove it yourself or give -o a new folder")
        if force:
            foreign = entries - set(marker.get("entries") or ()) - {OUTPUT_MARKER, _OWNER_FILE}
            if foreign:
                raise GlyphsegError(f"{path}: holds {sorted(foreign)[0]!r}, which glyphseg did not write; move it "
                                    "out (or remove the folder yourself) before --force replaces the folder")
    if not force:
        raise GlyphsegError(f"{path}: already exists (use --force to replace it)")
    return path


def _process_start(pid: int):
    """When process `pid` started (clock ticks since boot; Linux), to tell a reused pid; None where unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _owner_alive(owner: dict) -> bool:
    import socket

    if owner.get("host") != socket.gethostname():
        return True  # another machine's process: cannot tell, keep it
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, another user's
        return True
    start = owner.get("start")
    return start is None or _process_start(pid) in (None, start)


def remove_stale_temporaries(parent: str) -> list:
    """Remove the temporary folders in `parent` left by killed runs (their owner process is gone)."""
    removed = []
    try:
        names = os.listdir(parent)
    except OSError:
        return removed
    for name in names:
        folder = os.path.join(parent, name)
        if not name.startswith(_TEMP_PREFIX) or os.path.islink(folder) or not os.path.isdir(folder):
            continue
        try:
            with open(os.path.join(folder, _OWNER_FILE), encoding="utf-8") as fh:
                owner = json.loads(fh.readline())
        except (OSError, ValueError, UnicodeDecodeError):
            # No owner line: being created this instant, or a run killed (SIGKILL) between making the folder
            # and writing its owner. Only the latter is removed: nothing in it but that file, a minute old.
            if _ownerless_and_old(folder):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
            continue
        if isinstance(owner, dict) and not _owner_alive(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


_OWNERLESS_AGE_S = 60.0  # an ownerless temporary folder this old was not being created: its run was killed


def _ownerless_and_old(folder: str) -> bool:
    import time

    try:
        entries = os.listdir(folder)
        age = time.time() - os.stat(folder).st_mtime
    except OSError:
        return False
    return set(entries) <= {_OWNER_FILE} and age > _OWNERLESS_AGE_S


def _make_temporary(parent: str) -> str:
    """A new temporary folder in `parent` with its owner (this process) written in it.

    SIGINT and SIGTERM wait until the owner line is written: a batch's worker stopped by `terminate()`
    just after making the folder would otherwise leave one that nobody can tell is stale."""
    import socket

    owner = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "start": _process_start(os.getpid())})
    with _signals_held():
        tmp = tempfile.mkdtemp(prefix=_TEMP_PREFIX, dir=parent)
        try:
            with open(os.path.join(tmp, _OWNER_FILE), "w", encoding="utf-8") as fh:
                fh.write(owner + "\n")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return tmp


@contextmanager
def _signals_held():
    """SIGINT and SIGTERM held back (delivered on leaving) while a few file operations must finish together."""
    import signal

    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _lock_output(path: str):
    """flock `.OUTDIR.glyphseg-lock` beside `path`; GlyphsegError if another run holds it. Returns (fd, lock path),
    or None where the file system has no locks (the final rename still refuses an existing folder)."""
    import fcntl

    lock_path = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + _LOCK_SUFFIX)
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as e:
            raise GlyphsegError(f"{path}: cannot write there ({e.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            who = f" (pid {pid})" if pid.isdigit() else ""
            raise GlyphsegError(f"{path}: another glyphseg run{who} is writing it; wait for it to finish or give -o "
                                "another folder") from None
        except OSError:
            os.close(fd)
            return None
        try:  # the holder before us may have removed the file after we opened it: lock the file in place
            same = os.path.samestat(os.fstat(fd), os.stat(lock_path))
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd, lock_path
        os.close(fd)


def _unlock_output(lock) -> None:
    if lock is None:
        return
    fd, lock_path = lock
    try:
        os.unlink(lock_path)  # while still holding it: a waiting run then retries on a fresh file
    except OSError:
        pass
    os.close(fd)


def clean_up_after_killed_runs(outdirs) -> None:
    """Remove what killed runs left beside these output folders: their temporary folders (owner process gone)
    and lock files no process holds. (A batch calls it after stopping its workers.)"""
    parents = set()
    for outdir in outdirs:
        path = os.path.abspath(outdir)
        parents.add(os.path.dirname(path))
        try:
            lock = _lock_output(path)
        except GlyphsegError:
            continue  # a live run holds it
        _unlock_output(lock)  # (removes the file)
    for parent in parents:
        remove_stale_temporaries(parent)


def current_umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # no /proc: read it by setting it (and back)
    os.umask(mask)
    return mask


def _rename_noreplace(src: str, dst: str) -> None:
    """Rename `src` to `dst`; FileExistsError if `dst` exists, even an empty folder (renameat2
    RENAME_NOREPLACE where the C library has it; else a check just before, which the lock makes enough
    between glyphseg runs)."""
    import ctypes
    import errno

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        at_fdcwd, rename_noreplace = -100, 1
        if renameat2(at_fdcwd, os.fsencode(src), at_fdcwd, os.fsencode(dst), rename_noreplace) == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.ENOSYS, errno.EINVAL):  # EINVAL: the file system has no RENAME_NOREPLACE
            raise OSError(err, os.strerror(err), dst)
    if os.path.lexists(dst):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), dst)
    os.rename(src, dst)


@contextmanager
def atomic_output_dir(outdir: str, force: bool = False, inputs=()):
    """Reserve `outdir` and yield a temporary folder beside it; on success the temporary folder becomes
    `outdir`, on failure (an error, Ctrl-C, SIGTERM) it is removed and `outdir` is left as it was.

    On entry, before the caller's work: `check_output_dir` (what may be written or replaced), the lock
    `.OUTDIR.glyphseg-lock` beside it (flock, held until the end and then removed: a second run for the same
    folder ends at once), and the temporary folders of killed runs beside it are removed. At the end: the
    marker `.glyphseg-output` is written, the folder's mode follows the umask (mkdtemp makes 0700), and it is
    renamed into place, refusing a folder that appeared meanwhile; with --force the old output is moved
    aside first and removed after.
    """
    from . import __version__

    path = check_output_dir(outdir, inputs, force)
    parent = os.path.dirname(path)
    created = []  # parent folders made here, removed again if nothing is written
    missing = []
    d = parent
    while not os.path.lexists(d):
        missing.append(d)
        d = os.path.dirname(d)
    lock = tmp = None
    committed = False
    try:
        try:
            for d in reversed(missing):
                os.mkdir(d)
                created.append(d)
        except OSError as e:
            raise GlyphsegError(f"{path}: cannot create {d} ({e.strerror})") from None
        lock = _lock_output(path)
        remove_stale_temporaries(parent)
        check_output_dir(outdir, inputs, force)  # again, now that no other run can be changing it
        try:
            tmp = _make_temporary(parent)
        except OSError as e:
            raise GlyphsegError(f"{path}: cannot write there ({e.strerror})") from None
        yield tmp
        check_output_dir(outdir, inputs, force)  # the old output may have gained files meanwhile
        entries = sorted(set(os.listdir(tmp)) - {_OWNER_FILE})
        with open(os.path.join(tmp, OUTPUT_MARKER), "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"glyphseg": __version__, "manifest": "glyphs.json", "entries": entries},
                                ensure_ascii=False) + "\n")
        os.chmod(tmp, 0o777 & ~current_umask())
        trash = _make_temporary(parent) if os.path.lexists(path) else None
        with _signals_held():  # no interruption between moving the old output aside and putting the new one in place
            if trash is not None:
                os.rename(path, os.path.join(trash, "old"))
            try:
                _rename_noreplace(tmp, path)
            except OSError as e:
                if trash is not None:
                    os.rename(os.path.join(trash, "old"), path)
                raise GlyphsegError(f"{path}: cannot put the output in place ({e.strerror}); did another program "
                                    "create the folder meanwhile?") from None
            committed = True
        try:
            os.unlink(os.path.join(path, _OWNER_FILE))
        except OSError:
            pass
        if trash is not None:
            shutil.rmtree(trash, ignore_errors=True)
    finally:
        if tmp is not None and not committed:
            shutil.rmtree(tmp, ignore_errors=True)
        _unlock_output(lock)
        if not committed:
            for d in reversed(created):
                try:
                    os.rmdir(d)
                except OSError:
                    break


def face_fonts(ex: Extraction) -> List[Tuple[str, Extraction, ufoLib2.Font]]:
    """(UFO file name, the face's view of `ex`, its ufoLib2 font with the scans as background images) per
    face, the main face first."""
    out = []
    for k, ufo_name in enumerate(face_ufo_names(ex)):
        view = ex.face_view(k)
        font = build_ufo(view)
        add_background_images(font, view)
        out.append((ufo_name, view, font))
    return out


def write_extraction(ex: Extraction, outdir: str, force: bool = False, extra_writers=(), inputs=(),
                     into=None, fonts=None) -> str:
    """Write the whole output contract into `outdir` (see README: Output), whole or not at all
    (`atomic_output_dir`; `inputs` are protected from being replaced).

    `into`: the temporary folder of an `atomic_output_dir(outdir)` the caller already holds (the CLI reserves
    the output before the work, so that a bad output path or a concurrent run is refused before it starts);
    the files go there and the caller's context puts them in place. `fonts`: `face_fonts(ex)`, when the
    caller built them already.
    """
    if into is None:
        with atomic_output_dir(outdir, force, inputs) as tmp:
            write_extraction(ex, outdir, extra_writers=extra_writers, into=tmp, fonts=fonts)
        return os.path.abspath(outdir)
    tmp = into
    faces = face_fonts(ex) if fonts is None else fonts
    os.makedirs(os.path.join(tmp, "svg"))
    for k, (ufo_name, view, font) in enumerate(faces):
        font.save(os.path.join(tmp, ufo_name), overwrite=True)
        # the main face's SVGs in svg/, another face's in svg/<its UFO's name>/ (their glyph names repeat)
        svg_dir = os.path.join(tmp, "svg", *(() if k == 0 else (ufo_name[:-4],)))
        os.makedirs(svg_dir, exist_ok=True)
        for g in view.glyphs:
            outline = ex.outlines.get(g.id)
            if outline is None or g.name is None:
                continue
            with open(os.path.join(svg_dir, f"{g.name}.svg"), "w", encoding="utf-8") as fh:
                fh.write(glyph_svg(outline, g.advance, view.metrics.ascender, view.metrics.descender))
    ufo_name, _, font = faces[0]
    os.makedirs(os.path.join(tmp, "masks"))
    for p in ex.pages:
        masks = [ex.masks[g.id] for g in ex.glyphs if g.page == p.index and g.id in ex.masks]
        Image.fromarray(page_mask((p.height, p.width), masks)).save(
            os.path.join(tmp, "masks", f"page-{p.index + 1:03d}.png"))
    for writer in extra_writers:
        writer(ex, tmp, font)
    with open(os.path.join(tmp, "glyphs.json"), "w", encoding="utf-8") as fh:
        json.dump(manifest(ex, ufo_name), fh, indent=1, ensure_ascii=False)
    return os.path.abspath(outdir)


def export(ex: Extraction, outdir: str, force: bool = False, report: bool = True, inputs=(), into=None,
           jobs: int = 1) -> str:
    """The export stage: the whole output folder — UFO, SVGs, page masks, glyphs.json and (with `report`)
    report.html — written whole or not at all; returns its absolute path. See `write_extraction`. `jobs`:
    processes the report may use (`write_report`)."""
    if into is None:
        with atomic_output_dir(outdir, force, inputs) as tmp:
            export(ex, outdir, report=report, into=tmp, jobs=jobs)
        return os.path.abspath(outdir)
    fonts = face_fonts(ex)
    if not report:
        return write_extraction(ex, outdir, into=into, fonts=fonts)
    from .report import start_font_compile, write_report  # report reads export's crop geometry: imported here

    # The report's font compiles in a second process from here on, while the UFOs, SVGs and masks are
    # written (started in write_report, after them, it was waited for: 0.17 s of a 2.3 s page).
    with start_font_compile(ex, fonts[0][2], into, jobs) as compiled:
        writer = functools.partial(write_report, jobs=jobs, compiled=compiled)
        return write_extraction(ex, outdir, extra_writers=[writer], into=into, fonts=fonts)
