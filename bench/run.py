"""Run every benchmark in bench/ (each a script that prints its figures), one after another.

    python bench/run.py            # make bench calls this
    python bench/run.py page_weight
    python bench/run.py page_weight search

Every script in bench/ with a `if __name__ == "__main__":` block is a benchmark; the other modules are its helpers.

A benchmark that crashes makes the run exit 1; a slow or heavy figure does not (benchmarks are not tests).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def is_benchmark(path: Path) -> bool:
    """A benchmark is a script: it has a `__main__` block. Other modules here (settings, corpus generators...) are
    helpers that benchmarks import."""
    return path.name != "run.py" and 'if __name__ == "__main__":' in path.read_text(encoding="utf-8")


def benchmarks(names: list[str]) -> list[Path]:
    found = sorted(path for path in HERE.glob("*.py") if is_benchmark(path))
    if names:
        found = [path for path in found if path.stem in names]
    return found


def main(argv: list[str]) -> int:
    failures = 0
    for script in benchmarks(argv):
        print(f"\n=== {script.stem} ===", flush=True)
        started = time.monotonic()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        print(f"--- {script.stem}: {'ok' if result.returncode == 0 else 'FAILED'} "
              f"in {time.monotonic() - started:.1f}s", flush=True)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
