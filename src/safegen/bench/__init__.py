"""Benchmarks with independent judges: ``safegen bench run | judge | report | ablate | setup | datasets``.

    safegen bench run --dataset securityeval --strategy safegen --out runs/se-safegen   # resumable
    safegen bench judge runs/se-safegen --force                                         # no model needed
    safegen bench report runs/se-baseline runs/se-safegen --out-dir docs/results

Datasets (``datasets/``) are pinned by version and sha256 and found in ``--data-dir`` / SAFEGEN_DATA_DIR,
a ``shared/datasets`` folder above the working directory, the user cache, or downloaded from their public
source. Judges (``judges/``) are kept apart from the analyzers of the pipeline under test: bandit 1.7.x and
Meta's Insecure Code Detector run in their own venvs; the in-loop judge (safegen's ensemble) is labelled
as not independent; the functional judge runs hidden tests in the sandbox.
"""
