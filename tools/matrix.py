"""Run the published conformance matrix and merge it into docs/conformance/results.json.

A thin caller of :func:`wheelnext.conformance.matrix.main`; ``--help`` lists the options.
"""

import sys
from pathlib import Path

from wheelnext.conformance.matrix import main

if __name__ == "__main__":
    sys.exit(main(root=Path(__file__).resolve().parents[1]))
