"""glyphseg's benchmark: `python -m benchmarks` (or `glyphseg bench`). See benchmarks/suite.py and RESULTS.md."""
