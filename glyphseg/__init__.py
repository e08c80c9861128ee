"""glyphseg: font specimens (PDFs, scans) → named, segmented, traced glyphs (UFO, SVG, manifest, report).

Public API, one module per stage (plain data classes in glyphseg.types pass between them):
    glyphseg.ingest.load_pages      files → Page
    glyphseg.detect.detect          Page → Detection (InkMap, Glyph boxes, Lines)
    glyphseg.label / .templates     characters and UFO names
    glyphseg.segment / .sam2        Glyph → GlyphMask (threshold or SAM2 backend)
    glyphseg.refine                 template-guided checks and repairs of masks
    glyphseg.vectorize.trace        GlyphMask → Outline (draws into fontTools pens)
    glyphseg.export                 Extraction → output folder
    glyphseg.pipeline.extract       all of the above
"""
__version__ = "0.1.0"
