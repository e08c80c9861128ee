"""Bad and odd inputs, as a user throws them at `glyphseg extract`: exit status, seconds, peak memory.

Each case runs the installed CLI in a subprocess (its own peak memory from wait4), in a scratch folder made
for it; after each, the scratch folder is checked for files that went missing or were left behind.

    python -m benchmarks.bad_inputs [-o benchmarks/bad_inputs.md] [--real-dir DIR]
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import List, Optional

import click
import numpy as np
from PIL import Image

from .real import default_real_dir

HERE = os.path.dirname(os.path.abspath(__file__))
PDF = os.path.join(HERE, "..", "specimens", "dejavu-serif-specimen.pdf")
CLI = [sys.executable, "-m", "glyphseg.cli", "extract"]
# Peak memory through GNU time: a child forked from this process would report this process's own peak (Linux
# carries the high-water mark across exec), and building the big test images makes that large.
TIME = shutil.which("time") or "/usr/bin/time"


def run(args: List[str], cwd: str, kill_after: Optional[float] = None, timeout: float = 600.0):
    """(exit status, seconds, peak MB, last stderr line) of one CLI run."""
    t = time.perf_counter()
    mem = tempfile.NamedTemporaryFile(suffix=".rss", delete=False).name
    proc = subprocess.Popen([TIME, "-q", "-f", "%M", "-o", mem] + CLI + args, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    if kill_after is not None:
        time.sleep(kill_after)
        subprocess.run(["pkill", "-TERM", "-P", str(proc.pid)])  # the CLI under GNU time
    deadline = time.perf_counter() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    code = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().strip().splitlines()
    with open(mem) as fh:
        kb = [line for line in fh.read().split() if line.isdigit()]
    os.unlink(mem)
    return code, time.perf_counter() - t, int(kb[-1]) / 1024 if kb else float("nan"), (err[-1] if err else "")


def listing(folder: str) -> set:
    return {os.path.relpath(os.path.join(r, f), folder) for r, _, fs in os.walk(folder) for f in fs}


def page_png(path: str, image: np.ndarray, dpi: int = 300) -> str:
    Image.fromarray(image).save(path, dpi=(dpi, dpi))
    return path


def cases(real_dir: str):
    """(name, setup(folder) -> (args, cwd, kill_after)) for every case."""
    rng = np.random.default_rng(0)

    def with_input(folder):
        shutil.copy(PDF, os.path.join(folder, "spec.pdf"))
        with open(os.path.join(folder, "notes.txt"), "w") as fh:
            fh.write("mine")
        return os.path.join(folder, "spec.pdf")

    def bilevel(side):
        def make(folder):
            path = os.path.join(folder, f"blank{side}.png")
            Image.new("1", (side, side), 1).save(path)
            return [path, "-o", os.path.join(folder, "out")], folder, None
        return make

    def bad_pdf(folder):
        data = open(PDF, "rb").read().replace(b"/Kids [ 3 0 R ]", b"/Kids [ 9 0 R ]")
        path = os.path.join(folder, "damaged.pdf")
        open(path, "wb").write(data)
        return [path, "-o", os.path.join(folder, "out")], folder, None

    def three_inch_pdf(folder):
        from reportlab.pdfgen import canvas

        path = os.path.join(folder, "small.pdf")
        c = canvas.Canvas(path, pagesize=(216, 216))
        c.setFont("Times-Roman", 24)
        c.drawString(20, 100, "Hamburgefonstiv")
        c.save()
        return [path, "-o", os.path.join(folder, "out"), "--dpi", "4800"], folder, None

    def random_page(kind):
        def make(folder):
            shape = (3300, 2550)
            img = (rng.random(shape) * 255).astype(np.uint8) if kind == "noise" else \
                np.where(rng.random(shape) < 0.5, 0, 255).astype(np.uint8)
            return [page_png(os.path.join(folder, f"{kind}.png"), img), "-o", os.path.join(folder, "out")], folder, None
        return make

    def concurrent(folder):
        inp = with_input(folder)
        out = os.path.join(folder, "out")
        subprocess.Popen(CLI + [inp, "-o", out, "-q"], cwd=folder, stderr=subprocess.DEVNULL)
        time.sleep(1.5)
        return [inp, "-o", out], folder, None

    yield "-o . --force (cwd holds the input and a file)", lambda f: ([with_input(f), "-o", ".", "--force"], f, None)
    yield "-o <the input's folder> --force", lambda f: ([with_input(f), "-o", f, "--force"], "/", None)
    def foreign(folder):
        os.makedirs(os.path.join(folder, "theirs"))
        with open(os.path.join(folder, "theirs", "thesis.tex"), "w") as fh:
            fh.write("mine")
        return [with_input(folder), "-o", os.path.join(folder, "theirs"), "--force"], folder, None

    yield "-o a foreign non-empty folder --force", foreign
    yield "-o an existing file --force", lambda f: ([with_input(f), "-o", os.path.join(f, "notes.txt"), "--force"], f,
                                                    None)
    yield "-o under a file (parent is a file)", lambda f: ([with_input(f), "-o", os.path.join(f, "notes.txt", "o")], f,
                                                           None)
    yield "24000 × 24000 1-bit PNG", bilevel(24000)
    yield "40000 × 40000 1-bit PNG", bilevel(40000)
    yield "--pages 1-999999999", lambda f: ([with_input(f), "-o", os.path.join(f, "out"), "--pages", "1-999999999",
                                             "--dpi", "300", "-q"], f, None)
    yield "3-inch PDF page at --dpi 4800", three_inch_pdf
    yield "--dpi nan", lambda f: ([with_input(f), "-o", os.path.join(f, "out"), "--dpi", "nan"], f, None)
    yield "damaged PDF page tree", bad_pdf
    yield "random noise page (2550 × 3300)", random_page("noise")
    yield "random black/white page (2550 × 3300)", random_page("bw")
    yield "second run into the same new -o", concurrent
    yield "SIGTERM after 3 s", lambda f: ([with_input(f), "-o", os.path.join(f, "out"), "-q"], f, 3.0)
    kant = os.path.join(real_dir, "kant1784", "page-0017.tif")
    if os.path.exists(kant):
        yield "Kant 1784 p.17, no --text", lambda f: ([kant, "-o", os.path.join(f, "out"), "-q"], f, None)
    yield "100 Mpx page (at the default budget)", lambda f: (
        [page_png(os.path.join(f, "big.png"), _big_page(10000)), "-o", os.path.join(f, "out"), "-q"], f, None)


def _big_page(side: int) -> np.ndarray:
    from PIL import ImageDraw, ImageFont

    im = Image.new("L", (side, side), 255)
    d = ImageDraw.Draw(im)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 120)
    for k in range(5):
        d.text((200, 200 + 300 * k), "Hamburgefonstiv 0123", font=font, fill=0)
    return np.asarray(im)


@click.command()
@click.option("-o", "--out", default=os.path.join(HERE, "bad_inputs.md"), show_default=True)
@click.option("--real-dir", default=default_real_dir, show_default="the project's shared data folder")
def main(out, real_dir):
    rows = ["| case | exit | seconds | peak MB | inputs and other files kept | left behind | message |",
            "|---|---|---|---|---|---|---|"]
    for name, setup in cases(real_dir):
        folder = tempfile.mkdtemp(prefix="glyphseg-bad-")
        args, cwd, kill_after = setup(folder)
        before = listing(folder)
        code, secs, mb, msg = run(args, cwd, kill_after)
        time.sleep(0.2)
        after = listing(folder)
        lost = sorted(before - after)
        extra = sorted(p for p in after - before if not p.startswith("out" + os.sep))
        rows.append(f"| {name} | {code} | {secs:.1f} | {mb:.0f} | {'yes' if not lost else 'LOST ' + ', '.join(lost)} | "
                    f"{', '.join(extra) or '–'} | {msg.replace('|', '/')[:140]} |")
        click.echo(rows[-1])
        shutil.rmtree(folder, ignore_errors=True)
    with open(out, "w", encoding="utf-8") as fh:
        fh.write("# Bad inputs\n\nMade by `python -m benchmarks.bad_inputs`.\n\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
