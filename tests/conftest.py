"""Shared fixtures: open fonts from Debian packages (installed by .ci/run) and rendered specimens."""
import os

import pytest

FONTS = {
    # family class → (Debian package, path)
    "serif": ("fonts-dejavu-core", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"),
    "sans": ("fonts-liberation2", "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"),
    "times": ("fonts-liberation2", "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
    "slab": ("fonts-roboto-slab", "/usr/share/fonts/opentype/roboto/slab/RobotoSlab-Regular.otf"),
    "contrast": ("fonts-oldstandard", "/usr/share/fonts/truetype/fonts-oldstandard/OldStandard-Regular.ttf"),
    "mono": ("fonts-dejavu-core", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),
    "grotesque": ("fonts-dejavu-core", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    "script": ("fonts-dancingscript", "/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf"),
    "brush-script": ("fonts-kaushanscript", "/usr/share/fonts/opentype/kaushanscript/KaushanScript-Regular.otf"),
    "hand": ("fonts-sjfonts", "/usr/share/fonts/truetype/sjfonts/Delphine.ttf"),  # print handwriting
    "gothic": ("fonts-gotico-antiqua", "/usr/share/fonts/opentype/gotico-antiqua/Jessen-Cicero12.otf"),
    "fraktur": ("fonts-blankenburg", "/usr/share/fonts/truetype/blankenburg/Blankenburg_UNZ1A.ttf"),
    "proto-roman": ("fonts-gotico-antiqua",
                    "/usr/share/fonts/opentype/gotico-antiqua/Sweynheim&Pannartz-Subiaco-ProtoRoman120R.otf"),
}


def model_script(name: str):
    """A script of the project's model/ folder (not a package), loaded as a module: `model_script("train")`."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "model" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"glyphseg_model_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up by name
    spec.loader.exec_module(mod)
    return mod


def font_path(kind: str) -> str:
    package, path = FONTS[kind]
    if not os.path.exists(path):
        raise RuntimeError(f"test font missing: {path} (apt-get install {package}; .ci/run installs it)")
    return path


@pytest.fixture(scope="session")
def demo_pdf():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "specimens", "dejavu-serif-specimen.pdf")
