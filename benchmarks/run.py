"""Run every benchmark case, ours and the peer side by side; see ``ebm_memory.bench``.

python benchmarks/run.py [--quick | --tiny] [--out DIR] [--cases NAME ...]

Cases: kde_scoring, retrieval, scale, likelihood, sampling, clustering, classification.
"""

import sys

from ebm_memory.bench import main

if __name__ == "__main__":
    sys.exit(main())
