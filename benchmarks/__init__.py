"""glyphseg's benchmark, a tool of the source checkout: `python -m benchmarks`. See benchmarks/suite.py and RESULTS.md."""
