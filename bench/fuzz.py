"""A long fuzzing run of the engine and the fixer (tests/test_fuzz.py with fresh seeds).

    python bench/fuzz.py [--examples N] [-- PYTEST ARGS...]

CI runs the same properties on 30 derandomised examples each (15 for `--diff`); this runs N
(default 2000; N/2 for `--diff`) new ones per property and keeps failing examples in
~/.cache/bglint-fuzz, so that a later run (and `pytest tests/test_fuzz.py` with
BGLINT_FUZZ_PROFILE=fuzz) replays them first. Hypothesis prints the smallest failing input and a
`@reproduce_failure` blob to paste into the test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests" / "test_fuzz.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=2000, help="per property (default 2000)")
    parser.add_argument("pytest_args", nargs="*", help="passed on to pytest (after --)")
    args = parser.parse_args()
    env = dict(os.environ, BGLINT_FUZZ_PROFILE="fuzz", BGLINT_FUZZ_EXAMPLES=str(args.examples))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(TESTS)]
    return subprocess.run([*command, *args.pytest_args], env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
