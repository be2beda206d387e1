"""Writes a synthetic binary classification CSV: ROWS x 20 features + label.

Usage: /usr/bin/python3 bench/make_data.py ROWS OUT.csv
(Debian's python3 with python3-sklearn and python3-pandas.)
"""
import sys

import pandas as pd
from sklearn.datasets import make_classification

rows, out = int(sys.argv[1]), sys.argv[2]
X, y = make_classification(n_samples=rows, n_features=20, n_informative=10, random_state=42)
frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(20)])
frame["label"] = y
# six significant digits: about 170 MB at a million rows, as in the issue
frame.to_csv(out, index=False, float_format="%.6g")
