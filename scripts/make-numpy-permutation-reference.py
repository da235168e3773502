"""Writes Tests/Fixtures/calibration/numpy-permutations.json: what NumPy's default generator draws,
for the Swift port that shuffles calibration samples as Hugging Face datasets' `Dataset.shuffle(seed=...)`
does (`np.random.default_rng(seed).permutation(len(dataset))`). Run from the package root with a Python
that has numpy and datasets (e.g. /work/venv-llmc/bin/python); never run in CI.

- raw: the first outputs of PCG64 seeded by SeedSequence(seed) (`bit_generator.random_raw()`).
- permutations: `default_rng(seed).permutation(n)`, its first `prefix` entries for large n; each checked
  against `Dataset.shuffle(seed=seed)` of a dataset of n rows.
"""
import json
import os

import numpy as np
from datasets import Dataset

SEEDS = [0, 1, 42, 1234567, 2**32 + 7, 2**64 - 1]
SIZES = [1, 2, 3, 10, 100, 1000, 70000]
PREFIX = 64

raw = {str(seed): [str(v) for v in np.random.default_rng(seed).bit_generator.random_raw(4)] for seed in SEEDS}
permutations = []
for seed in SEEDS:
    for n in SIZES:
        permutation = np.random.default_rng(seed).permutation(n).tolist()
        if n <= 1000:
            rows = Dataset.from_dict({"row": list(range(n))}).shuffle(seed=seed)["row"]
            assert list(rows) == permutation, (seed, n)
        permutations.append({"seed": str(seed), "n": n, "prefix": permutation[:PREFIX]})

path = os.path.join("Tests", "Fixtures", "calibration", "numpy-permutations.json")
with open(path, "w") as f:
    json.dump({"raw": raw, "permutations": permutations}, f)
    f.write("\n")
print("wrote", path)
