#!/usr/bin/env bash
# Set up glyphseg on a fresh Debian machine and run the demo extraction on the bundled specimen.
#   bash setup.sh            # install + demo  → out/demo/report.html, out/demo/DemoSerif-Regular.ufo …
#   GLYPHSEG_NO_SAM2=1 …     # skip torch/transformers (the threshold segmenter needs neither)
set -euo pipefail
cd "$(dirname "$0")"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
# Fonts for the tests, Chromium for the report test, and the benchmark's fonts and baselines.
APT_PACKAGES="fonts-dejavu-core fonts-liberation2 fonts-roboto-slab fonts-oldstandard chromium
  $(grep -v '^#' benchmarks/requirements-apt.txt | tr '\n' ' ')"
missing=""
for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
# torch is pinned: an unpinned torch pulls gigabytes of CUDA wheels on this CPU machine.
EXTRAS="ray,test"
[ -z "${GLYPHSEG_NO_SAM2:-}" ] && EXTRAS="sam2,ray,test"
python3 -m pip install -q -e ".[$EXTRAS]"
if [ "${1:-}" != "--no-demo" ]; then
  python3 -m glyphseg.cli extract specimens/dejavu-serif-specimen.pdf -o out/demo --force \
    --text-file specimens/dejavu-serif-specimen.txt --family "Demo Serif"
  echo "demo: open out/demo/report.html; the font is out/demo/DemoSerif-Regular.ufo"
fi
