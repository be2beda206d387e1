"""scikit-learn's side of the accuracy table.

For each dataset NAME in DIR (NAME.csv, NAME.train.csv, NAME.test.csv):
scores the seed's LogisticRegression(max_iter=500) and StandardScaler +
LogisticRegression(max_iter=500) trained on NAME.train.csv and scored on
NAME.test.csv, then on the five folds of a stratified 5-fold
cross-validation (shuffle, random_state=0) of NAME.csv, whose train/test
files it writes to OUT so the other side trains on the very same rows.

Usage: /usr/bin/python3 bench/sklearn_accuracy.py DIR OUT NAME...
Prints one JSON object.
"""
import json
import sys
import warnings

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore")
directory, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
MODELS = {
    "seed": lambda: LogisticRegression(max_iter=500),
    "scaled": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
}


def score(make, train, test):
    X, y = train.iloc[:, :-1], train.iloc[:, -1]
    pred = make().fit(X, y).predict(test.iloc[:, :-1])
    truth = test.iloc[:, -1]
    return {
        "accuracy": float(accuracy_score(truth, pred)),
        "f1": float(f1_score(truth, pred, average="macro")),
    }


result = {}
for name in names:
    train = pd.read_csv(f"{directory}/{name}.train.csv")
    test = pd.read_csv(f"{directory}/{name}.test.csv")
    full = pd.read_csv(f"{directory}/{name}.csv")
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    cv = {key: [] for key in MODELS}
    files = []
    for k, (tr, te) in enumerate(folds.split(full, full.iloc[:, -1])):
        paths = (f"{out}/{name}.fold{k}.train.csv", f"{out}/{name}.fold{k}.test.csv")
        full.iloc[tr].to_csv(paths[0], index=False)
        full.iloc[te].to_csv(paths[1], index=False)
        files.append(paths)
        for key, make in MODELS.items():
            cv[key].append(score(make, full.iloc[tr], full.iloc[te])["accuracy"])
    result[name] = {
        "split": {key: score(make, train, test) for key, make in MODELS.items()},
        "cv": {key: sum(v) / len(v) for key, v in cv.items()},
        "folds": files,
    }
print(json.dumps(result))
