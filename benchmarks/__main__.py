"""`python -m benchmarks [--quick] …`: the same command as `glyphseg bench`."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from glyphseg.bench import bench_command  # noqa: E402

if __name__ == "__main__":
    bench_command(prog_name="python -m benchmarks")
