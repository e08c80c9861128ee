"""glyphseg: font specimens (PDFs, scans) → named, segmented, traced glyphs (UFO, SVG, manifest, report).

Public API: one module per stage, each with one entry function; the records between them (plain data
classes) are in glyphseg.types, and no stage edits what it is given. See ARCHITECTURE.md.
    glyphseg.ingest.load_pages      files → [Page]
    glyphseg.detect.detect          Page → PageLayout (ink map, glyph boxes, lines in reading order)
    glyphseg.label.label            [PageLayout], text | None → Labelling (characters, joins, body size, names)
    glyphseg.metrics.frames         Labelling → Frames (each glyph's font-unit frame, vertical metrics)
    glyphseg.segment.segment        Frames' glyphs + a backend (threshold, glyphseg.sam2) → Segmentation
    glyphseg.refine.refine          Segmentation → Refined (masks checked against the characters' templates)
    glyphseg.vectorize.vectorize    masks → {glyph id: Outline} (draws into fontTools pens)
    glyphseg.export.export          Extraction → output folder (UFO, SVGs, masks, manifest, report)
    glyphseg.pipeline.extract       all of the above but export
"""
__version__ = "0.1.0"

# glyphseg is installed from its source folder (it is not on PyPI): the SAM2 extra is named on that folder
SAM2_INSTALL_HINT = "pip install 'glyphseg[sam2]'; from a checkout: pip install '.[sam2]' or bash setup.sh"
