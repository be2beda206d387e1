"""Writes more public tabular datasets as the shared ones are laid out:
NAME.csv, NAME.train.csv and NAME.test.csv (the seed's stratified 80/20
split, random_state=42), label last. Uses the copies bundled with
scikit-learn (wine: 178 rows, 13 features, 3 classes; digits: 1,797 rows,
64 features, 10 classes), so nothing is downloaded.

Usage: /usr/bin/python3 bench/make_extra.py OUTDIR
"""
import sys

import pandas as pd
from sklearn.datasets import load_digits, load_wine
from sklearn.model_selection import train_test_split

out = sys.argv[1]
for name, load in [("wine", load_wine), ("digits", load_digits)]:
    X, y = load(return_X_y=True)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    frame["label"] = y
    train, test = train_test_split(frame, test_size=0.2, random_state=42, stratify=y)
    frame.to_csv(f"{out}/{name}.csv", index=False)
    train.to_csv(f"{out}/{name}.train.csv", index=False)
    test.to_csv(f"{out}/{name}.test.csv", index=False)
