"""Make the bundled demo specimen: specimens/dejavu-serif-specimen.pdf (+ its transcript).

A one-page vector PDF of DejaVu Serif (Bitstream Vera licence, from Debian fonts-dejavu-core): capitals,
lowercase, figures and signs, each glyph drawn as its outline path (no font embedded), with a small caption.
Run: python specimens/make_specimen.py [FONT] [OUT.pdf]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from glyphseg.specimen import DEFAULT_LINES, font_chars, write_pdf  # noqa: E402

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


def main(font=FONT, out=os.path.join(HERE, "dejavu-serif-specimen.pdf")):
    from fontTools.ttLib import TTFont

    write_pdf(font, out, DEFAULT_LINES, size_pt=14, title="glyphseg demo specimen: DejaVu Serif 14 pt")
    text = "\n".join(font_chars(TTFont(font), line) for line in DEFAULT_LINES)
    with open(os.path.splitext(out)[0] + ".txt", "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
