"""Markdown for a benchmark run (benchmarks/RESULTS.md), from the results dict that also goes to results.json."""
from __future__ import annotations

import math
from typing import List, Optional

GROUP_TITLES = {"text": "text fonts (serif, sans, slab, mono, condensed, display)",
                "hard": "hard fonts (script, blackletter)", "all": "all fonts"}


def _f(v, digits=3, pct=False) -> str:
    if v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v))):
        return "—"
    if pct:
        return f"{100 * v:.{digits}f}"
    return f"{v:.{digits}f}"


def _table(header: List[str], rows: List[List[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def _get(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _groups(results) -> List[str]:
    return [g for g in ("text", "hard") if any(k.startswith(g + "/") for k in results["summary"])]


def _levels(results) -> List[str]:
    return list(results["config"]["levels"])


def _summaries(results):
    """(group, level, summary) for every group and level the run has, in table order."""
    for g in _groups(results):
        for lv in _levels(results):
            s = results["summary"].get(f"{g}/{lv}")
            if s:
                yield g, lv, s


def headline(results) -> str:
    rows = []
    for g, lv, s in _summaries(results):
        rows.append([g, lv,
                     _f(_get(s, "detection", "glyphseg_text", "f1")),
                     _f(_get(s, "detection", "glyphseg_text", "label_acc")),
                     _f(_get(s, "outlines", "glyphseg_text", "iou_mean"), 4),
                     _f(_get(s, "outlines", "glyphseg_text", "dist_mean"), 2) + " / "
                     + _f(_get(s, "outlines", "glyphseg_text", "dist_p95"), 2),
                     _f(_get(s, "outlines", "glyphseg_text", "points_ratio"), 2),
                     _f(_get(s, "outlines", "potrace_default", "dist_mean"), 2) + " / "
                     + _f(_get(s, "outlines", "potrace_default", "dist_p95"), 2),
                     _f(_get(s, "outlines", "potrace_default", "points_ratio"), 2),
                     _f(_get(s, "detection", "tesseract", "f1")),
                     _f(_get(s, "detection", "tesseract", "label_acc")),
                     " / ".join(_f(_get(s, "mask_fm", m)) for m in ("glyphseg", "otsu", "sauvola")),
                     _f(_get(s, "speed", "glyphseg_text", "s_per_page"), 2)])
    return _table(["fonts", "level", "glyphseg F1", "glyphseg labels", "glyphseg IoU",
                   "glyphseg dist mean / p95", "glyphseg points", "potrace dist mean / p95", "potrace points",
                   "tesseract F1", "tesseract labels", "mask FM glyphseg / Otsu / Sauvola", "glyphseg s/page"], rows)


def detection_table(results) -> str:
    rows = []
    for g, lv, s in _summaries(results):
        d = s.get("detection", {})
        row = [g, lv]
        for m, labels in (("glyphseg_text", True), ("glyphseg_notext", True), ("tesseract", True)):
            x = d.get(m, {})
            row += [_f(x.get("precision")), _f(x.get("recall")), _f(x.get("f1"))]
            if labels:
                row.append(_f(x.get("label_acc")))
        rows.append(row)
    return _table(["fonts", "level", "glyphseg --text P", "R", "F1", "labels", "glyphseg (no text) P", "R", "F1",
                   "labels (templates)", "tesseract P", "R", "F1", "labels"], rows)


METHOD_NAMES = {"glyphseg_text": "glyphseg --text", "glyphseg_notext": "glyphseg (no text)",
                "potrace_default": "potrace (defaults)", "potrace_text": "potrace --alphamax 0.6 --opttolerance 0.1"}


def outline_table(results) -> str:
    rows = []
    for g, lv, s in _summaries(results):
        for m in ("glyphseg_text", "glyphseg_notext", "potrace_default", "potrace_text"):
            o = _get(s, "outlines", m)
            if not o:
                continue
            rows.append([g, lv, METHOD_NAMES[m], str(o["glyphs"]), str(o["missing"]), _f(o["iou_mean"], 4),
                         _f(o.get("iou_traced_mean"), 4), _f(o["iou_min"], 3), _f(o["dist_mean"], 2),
                         _f(o["dist_p95"], 2),
                         _f(o["points_ratio"], 2), _f(o["points_ratio_median"], 2),
                         _f(o.get("extrema_share"), 4), _f(o.get("extrema_share_nearflat"), 4),
                         str(o.get("self_intersecting", "—"))
                         if m.startswith("glyphseg") else "—"])
    return _table(["fonts", "level", "method", "glyphs", "no outline", "IoU mean", "IoU mean (with outline)",
                   "IoU min", "dist mean",
                   "dist p95", "points ratio", "points median", "extrema present",
                   "extrema present (near-flat)", "self-intersecting"], rows)


def mask_ufo_table(results) -> str:
    rows = []
    for g, lv, s in _summaries(results):
        u = s.get("ufo_compiles", {})
        rows.append([g, lv] + [_f(_get(s, "mask_fm", m)) for m in ("glyphseg", "otsu", "sauvola")]
                    + [f"{u[k][0]}/{u[k][1]}" if k in u else "—" for k in ("glyphseg_text", "glyphseg_notext")])
    return _table(["fonts", "level", "mask FM glyphseg", "Otsu", "Sauvola", "UFO compiles (--text)",
                   "UFO compiles (no text)"], rows)


def speed_table(results) -> str:
    rows = []
    preferred = ["ingest_s", "detect_s", "label_s", "segment_s", "vectorize_s", "export_s"]
    seen = {k for s in results["summary"].values()
            for k in _get(s, "speed", "glyphseg_text", "stages_s_per_page") or {}}
    stages = [k for k in preferred if k in seen]
    stages[-1:-1] = sorted(seen - set(preferred))  # stages a newer glyphseg reports, before export
    for g, lv, s in _summaries(results):
        sp = s.get("speed", {})
        gt = sp.get("glyphseg_text", {})
        st = gt.get("stages_s_per_page", {})
        rows.append([g, lv, _f(gt.get("s_per_page"), 2), _f(gt.get("cpu_s_per_page"), 2),
                     _f(gt.get("s_per_glyph"), 4)]
                    + [_f(st.get(k), 2) for k in stages]
                    + [_f(_get(sp, "glyphseg_notext", "s_per_page"), 2),
                       _f(_get(sp, "potrace_default", "s_per_glyph"), 4),
                       _f(_get(sp, "tesseract", "s_per_page"), 2), _f(_get(sp, "otsu", "s_per_page"), 3),
                       _f(_get(sp, "sauvola", "s_per_page"), 3)])
    return _table(["fonts", "level", "glyphseg --text s/page", "CPU s/page", "s/glyph"]
                  + [k[:-2] for k in stages] + ["glyphseg (no text) s/page", "potrace s/glyph", "tesseract s/page",
                   "Otsu s/page", "Sauvola s/page"], rows)


def per_font_table(results) -> str:
    levels = _levels(results)
    by_font = {}
    for p in results["pages"]:
        by_font.setdefault(p["font"], {})[p["level"]] = p
    rows = []
    for f in results["fonts"]:
        cells = [f["family"], f["kind"]]
        for lv in levels:
            p = by_font.get(f["id"], {}).get(lv)
            if p is None:
                cells.append("—")
                continue
            g = p.get("glyphseg_text", {})
            if "error" in g:
                cells.append("error")
                continue
            d, o = g["detection"], g["outlines"]
            t = _get(p, "tesseract", "detection")
            cells.append(f"{_f(d['f1'], 2)} · {_f(d['label_acc'], 2)} · {_f(o['iou_mean'], 3)} · "
                         f"{_f(o['dist_mean'], 1)} · {_f(o['points_ratio'], 2)}"
                         + (f" · {_f(t['f1'], 2)}/{_f(t['label_acc'], 2)}" if t else ""))
        rows.append(cells)
    return _table(["font", "kind"] + levels, rows)


def real_tables(results) -> Optional[str]:
    real = results.get("real") or {}
    parts = []
    if real.get("note"):
        parts.append(f"_{real['note']}_")
    dibco = real.get("dibco") or []
    if dibco:
        rows = []
        for d in dibco:
            rows.append([d["image"]] + [x for m in ("glyphseg", "otsu", "sauvola")
                                        for x in (_f(_get(d, m, "fm")), _f(_get(d, m, "psnr"), 2))])
        mean = _get(real, "summary", "dibco_mean") or {}
        rows.append(["**mean**"] + [x for m in ("glyphseg", "otsu", "sauvola")
                                    for x in (_f(_get(mean, m, "fm")), _f(_get(mean, m, "psnr"), 2))])
        parts.append("**DIBCO 2011 machine-printed** — page ink mask against the pixel ground truth "
                     "(FM = F-measure, PSNR in dB):\n\n"
                     + _table(["image", "glyphseg FM", "PSNR", "Otsu FM", "PSNR", "Sauvola FM", "PSNR"], rows))
    k = real.get("kant")
    if k:
        rows = []
        for key, name in (("glyphseg_text", "glyphseg --text (the page's glyph text)"),
                          ("glyphseg_notext", "glyphseg (no text)"), ("tesseract_frk", "tesseract -l frk"),
                          ("tesseract_eng", "tesseract -l eng")):
            if key not in k:
                continue
            d = k[key]["detection"]
            labels = key != "glyphseg_notext"
            secs = k[key].get("total_s", k[key].get("seconds"))
            rows.append([name, str(d["n_pred"]), _f(d["precision"]), _f(d["recall"]), _f(d["f1"]),
                         _f(d["label_acc"]) if labels else "—", _f(d.get("label_acc_single")) if labels else "—",
                         _f(secs, 1) + (" (error: " + k[key]["error"] + ")" if "error" in k[key] else "")])
        parts.append(f"**Kant 1784**, Berlinische Monatsschrift p. 17 (blackletter, show-through): "
                     f"{k['n_true']} PAGE-XML glyphs, {k['n_multi_codepoint']} of them ligatures or letters with a "
                     f"combining mark (ch, ſi, oͤ …) that no single-character label can match; detection at box "
                     f"IoU ≥ 0.5:\n\n"
                     + _table(["method", "detections", "P", "R", "F1", "labels", "labels (single-codepoint glyphs)",
                               "s"], rows))
    return "\n\n".join(parts) if parts else None


def write_markdown(results, path: str) -> None:
    m = results["machine"]
    v = m["versions"]
    cfg = results["config"]
    git = m.get("git", {})
    lines = [
        "# glyphseg benchmark",
        "",
        f"Produced by `{results['command']}` on {results['created']}, in {results['wall_s'] / 60:.1f} min "
        f"(git {git.get('commit', '?')}{' + uncommitted changes' if git.get('dirty') else ''}).",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores ({m['cores_usable']} usable), "
        f"{m.get('memory_gib') or '?'} GiB; {m['python']}; {m['os']}. Jobs in parallel: {cfg['jobs']}.",
        "",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val) + ".",
        "",
        f"Suite: {len(results['fonts'])} fonts × {len(cfg['levels'])} level(s) ({', '.join(cfg['levels'])}), "
        f"specimens rendered at {cfg['dpi']} dpi, {cfg['size_pt']} pt, seeded (base seed {cfg['seed']}); "
        f"glyphseg segmenter `{cfg['segmenter']}`. Fonts: "
        + ", ".join(f"{f['family']} ({f['kind']})" for f in results["fonts"]) + ".",
        "",
        *([f"**{len(results['errors'])} case(s) failed and are left out:** "
           + "; ".join(f"{e['case']}: {e['error']}" for e in results["errors"]), ""] if results.get("errors") else []),
        "## Headline: glyphseg vs the usual tools",
        "",
        "Distances are in em/1000 of the true font (boundary to boundary, both directions pooled); "
        "points = on-curve points relative to the source font's glyph; potrace traces glyphseg's own glyph masks "
        "and is scored on the same glyphs (those glyphseg --text traced); IoU counts a matched glyph without an "
        "outline (one --text left out of the font) as 0.",
        "",
        headline(results),
        "",
        "## Detection and labels (box IoU ≥ 0.5)",
        "",
        detection_table(results),
        "",
        "## Outlines (matched glyphs, against the true outline)",
        "",
        outline_table(results),
        "",
        "## Page masks and UFO",
        "",
        mask_ufo_table(results),
        "",
        "## Real scans",
        "",
        real_tables(results) or "_not run_",
        "",
        "## Speed (seconds; glyphseg = the CLI's work: ingest the PNG … write the folder with its report)",
        "",
        speed_table(results),
        "",
        "## Per font (glyphseg --text: F1 · labels · IoU · dist mean · points ratio · tesseract F1/labels)",
        "",
        per_font_table(results),
        "",
        "## How it is measured",
        "",
        "- **Specimens**: `glyphseg.specimen.render_specimen` sets `DEFAULT_LINES` "
        "(A–Z, a–z, 0–9, `&?!;:%\"äéÖ`; characters a font lacks are left out) at 14 pt, 600 dpi, FreeType "
        "coverage; `degrade(level, seed)` makes mild (grey paper, blur, noise, slight rotation, JPEG) and "
        "harsh (ink spread or thinning, uneven "
        "light, texture, show-through, specks) pages. Ground truth: each glyph's font outline and its exact "
        "font-unit → page matrix.",
        "- **glyphseg** runs on the page PNG as `glyphseg extract page.png -o OUT --segmenter threshold -q "
        "[--text …]` would (the CLI's own functions in-process, report included); scoring reads only "
        "glyphs.json, the UFO (ufoLib2) and masks/page-001.png, mapping UFO outlines onto the page with each "
        "glyph's origin / units_per_px / angle.",
        "- **Detection**: one-to-one matching of glyph boxes, best IoU first, IoU ≥ 0.5. **Labels**: share of "
        "true glyphs matched by a detection carrying exactly their character (so misses count as wrong).",
        "- **IoU**: filled-outline IoU (shapely) of the answer outline and the true outline on the page, over "
        "matched glyphs (a matched glyph without an outline counts 0). **Distance**: boundaries sampled every "
        "0.5 px, exact point-to-polyline distances from each boundary to the other, pooled over both "
        "directions and all glyphs; mean and 95th percentile, converted px → em/1000 with the true em "
        "(size_pt/72·dpi px).",
        "- **Points**: on-curve points of the answer glyph / on-curve points of the source font's glyph "
        "(fontTools point pen, components decomposed; a TrueType font's implied on-curve points are not "
        "counted), pooled sum ratio and per-glyph median.",
        "- **Extrema present**: the true outline's horizontal and vertical extrema, found in the font's own "
        "units (where a flat stretch at an extreme is exactly flat and counts as one extremum spanning the "
        "stretch; wiggles under 0.06 px ignored), mapped into the answer glyph's upright frame; an extremum is "
        "present when an on-curve point lies within 0.75 px of the extreme coordinate and within 3 px of its "
        "place (or stretch) along the tangent. **(near-flat)**: the same, with a stretch that stays within "
        "0.1 px of the extreme counted as flat (the place of an extremum on a bowl that flat is not resolved "
        "by a scan). **Self-intersecting**: contours whose flattened polygon is not valid (shapely).",
        "- **UFO compiles**: `ufo2ft.compileOTF` on the UFO as written. **Mask FM**: F-measure of the page "
        "mask against the true ink (pixels at least half covered by the true outlines).",
        f"- **Baselines**: Otsu and Sauvola (scikit-image; Sauvola window a tenth of an inch: "
        f"{cfg['sauvola_window_600dpi']} px at 600 dpi, {cfg['sauvola_window_dibco']} px at DIBCO's 300 dpi, "
        "k = 0.2) on the same page; potrace on each of glyphseg's binary glyph masks (PBM, `potrace -s`, "
        "defaults and `--alphamax 0.6 --opttolerance 0.1`), SVG parsed and mapped back onto the page, scored "
        "on the glyphs glyphseg --text traced; tesseract `tesseract page.png stdout -l eng --dpi 600 makebox` "
        "boxes and symbols, scored like glyphseg's (tesseract 5's makebox boxes come from its LSTM recogniser "
        "and grow loose on degraded pages even where the text is read right, which is much of its detection "
        "loss there). potrace gets only the binary mask, glyphseg traces its soft (antialiased) mask at the "
        "0.5 level.",
        "- **Real scans**: DIBCO 2011 printed PR1–PR4 (no recorded dpi: run as `--dpi 300`), FM and PSNR of "
        "the page ink mask against gt/*.bmp (ink = black); Kant 1784 page 17 against its PAGE-XML glyphs "
        "(boxes of the glyph polygons; glyphseg gets the glyph text in reading order as --text).",
        "- `results.json` holds every number above, per page and per glyph (glyphseg --text).",
        "",
    ]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))


if __name__ == "__main__":  # re-render: python -m benchmarks.tables results.json RESULTS.md
    import json
    import sys

    with open(sys.argv[1], encoding="utf-8") as fh:
        write_markdown(json.load(fh), sys.argv[2])
