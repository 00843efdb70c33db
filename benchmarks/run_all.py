"""Run every `benchmarks/bench_*.py` module in turn (`make bench`); exit 1 if one crashed."""

from __future__ import annotations

import subprocess
import sys

from benchmarks.common import BENCH_DIR


def main() -> int:
    """Run each benchmark in its own process so that memory figures stay independent."""
    failed = []
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        module = f"benchmarks.{path.stem}"
        print(f"# {module}", file=sys.stderr, flush=True)
        if subprocess.run([sys.executable, "-m", module], check=False).returncode != 0:
            failed.append(module)
    if failed:
        print(f"# crashed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
