"""`python -m benchmarks [--quick] …` (see `python -m benchmarks --help` and benchmarks/suite.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
