"""The benchmark's font suite: open fonts from Debian packages, rendered into specimens with exact ground truth.

`text` fonts are the main suite (serif, sans, slab, mono, condensed, display); `hard` fonts (script,
blackletter) are reported as a separate, harder group. None of them is a source of glyphseg's character
zone table (templates/build_char_zones.py: URW base35, EB Garamond, Open Sans, Lato, Courier Prime), so
labelling is measured on designs it never saw.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from typing import List, Optional, Sequence


@dataclass(frozen=True)
class SuiteFont:
    id: str
    family: str
    kind: str  # serif, sans, slab, mono, condensed, display, script, blackletter
    group: str  # "text" (main suite) or "hard"
    package: str  # Debian package
    path: str


SUITE: List[SuiteFont] = [
    SuiteFont("dejavu-serif", "DejaVu Serif", "serif", "text", "fonts-dejavu-core",
              "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"),
    SuiteFont("liberation-serif", "Liberation Serif", "serif", "text", "fonts-liberation2",
              "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
    SuiteFont("vollkorn", "Vollkorn", "serif", "text", "fonts-vollkorn",
              "/usr/share/fonts/truetype/vollkorn/Vollkorn-Regular.ttf"),
    SuiteFont("old-standard", "Old Standard TT", "serif", "text", "fonts-oldstandard",
              "/usr/share/fonts/truetype/fonts-oldstandard/OldStandard-Regular.ttf"),
    SuiteFont("dejavu-sans", "DejaVu Sans", "sans", "text", "fonts-dejavu-core",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    SuiteFont("liberation-sans", "Liberation Sans", "sans", "text", "fonts-liberation2",
              "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"),
    SuiteFont("cantarell", "Cantarell", "sans", "text", "fonts-cantarell",
              "/usr/share/fonts/opentype/cantarell/Cantarell-Regular.otf"),
    SuiteFont("go", "Go", "sans", "text", "fonts-go", "/usr/share/fonts/fonts-go/Go-Regular.ttf"),
    SuiteFont("roboto-slab", "Roboto Slab", "slab", "text", "fonts-roboto-slab",
              "/usr/share/fonts/opentype/roboto/slab/RobotoSlab-Regular.otf"),
    SuiteFont("go-mono", "Go Mono", "slab", "text", "fonts-go", "/usr/share/fonts/fonts-go/Go-Mono.ttf"),
    SuiteFont("dejavu-sans-mono", "DejaVu Sans Mono", "mono", "text", "fonts-dejavu-core",
              "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),
    SuiteFont("liberation-mono", "Liberation Mono", "mono", "text", "fonts-liberation2",
              "/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf"),
    SuiteFont("dejavu-sans-condensed", "DejaVu Sans Condensed", "condensed", "text", "fonts-dejavu-core",
              "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf"),
    SuiteFont("dejavu-serif-condensed", "DejaVu Serif Condensed", "condensed", "text", "fonts-dejavu-core",
              "/usr/share/fonts/truetype/dejavu/DejaVuSerifCondensed.ttf"),
    SuiteFont("league-spartan", "League Spartan", "display", "text", "fonts-league-spartan",
              "/usr/share/fonts/opentype/league-spartan/LeagueSpartan-Regular.otf"),
    SuiteFont("comic-neue", "Comic Neue", "display", "text", "fonts-comic-neue",
              "/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf"),
    # the harder group: connected scripts and blackletter
    SuiteFont("dancing-script", "Dancing Script", "script", "hard", "fonts-dancingscript",
              "/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf"),
    SuiteFont("kaushan-script", "Kaushan Script", "script", "hard", "fonts-kaushanscript",
              "/usr/share/fonts/opentype/kaushanscript/KaushanScript-Regular.otf"),
    SuiteFont("blankenburg", "Blankenburg", "blackletter", "hard", "fonts-blankenburg",
              "/usr/share/fonts/truetype/blankenburg/Blankenburg_UNZ1A.ttf"),
    SuiteFont("jessen", "Jessen Cicero", "blackletter", "hard", "fonts-gotico-antiqua",
              "/usr/share/fonts/opentype/gotico-antiqua/Jessen-Cicero12.otf"),
]

QUICK = ["dejavu-serif", "liberation-sans", "roboto-slab"]
LEVELS = ("clean", "mild", "harsh")

# Binaries the baselines run, with the Debian package that provides each.
BINARIES = {"potrace": "potrace", "tesseract": "tesseract-ocr"}
# tesseract language data: eng for the specimens; frk (Fraktur) for the blackletter Kant page.
TESSDATA = {"eng": "tesseract-ocr-eng", "frk": "tesseract-ocr-frk"}


def select(ids: Sequence[str] | None = None, quick: bool = False) -> List[SuiteFont]:
    if ids:
        by_id = {f.id: f for f in SUITE}
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            raise ValueError(f"unknown font id(s): {', '.join(unknown)} (known: {', '.join(by_id)})")
        return [by_id[i] for i in ids]
    if quick:
        return [f for f in SUITE if f.id in QUICK]
    return list(SUITE)


def tesseract_langs() -> List[str]:
    import subprocess

    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines()[1:] if line.strip()]


def missing_requirements(fonts: Sequence[SuiteFont], baselines: bool = True) -> List[str]:
    """Debian packages the run needs and this machine lacks (see benchmarks/requirements-apt.txt)."""
    missing = []
    for f in fonts:
        if not os.path.exists(f.path) and f.package not in missing:
            missing.append(f.package)
    if baselines:
        for binary, package in BINARIES.items():
            if shutil.which(binary) is None:
                missing.append(package)
        if shutil.which("tesseract") is not None and "eng" not in tesseract_langs():
            missing.append(TESSDATA["eng"])
    return missing


def apt_install(packages: Sequence[str]) -> int:
    """apt-get install the packages (with sudo when not root); returns apt-get's exit status."""
    import subprocess

    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], env=env)
    return subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", *packages], env=env).returncode


def pooled(results, start: Optional[dict] = None) -> dict:
    """Per-page score dicts pooled key by key (lists joined, counts added) over the suite's fonts.

    >>> pooled([{"iou": [0.9], "n": 1}, {"iou": [0.8], "n": 2}])
    {'iou': [0.9, 0.8], 'n': 3}
    """
    out = dict(start or {})
    for result in results:
        for k, v in result.items():
            out[k] = out[k] + v if k in out else v
    return out


def text_fonts(ids: Optional[str] = None) -> List[SuiteFont]:
    """The main suite's fonts that are installed, or those of them named in `ids` (comma-separated)."""
    wanted = set(ids.split(",")) if ids else None
    return [f for f in SUITE if f.group == "text" and os.path.exists(f.path) and (wanted is None or f.id in wanted)]
