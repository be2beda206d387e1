"""scikit-learn's side of the real-world tables benchmark (bench/tables.ts).

Makes the tables (seeded), splits each by stratified 5-fold cross-validation
(shuffle, random_state=0), writes every fold's train/test CSV to OUT so the
other side trains on the very same rows, and scores scikit-learn on them:

- mixed tables (categories, missing cells, odd column names): impute (mean;
  a constant for categories) + one-hot (handle_unknown="ignore") + scale +
  LogisticRegression(max_iter=500): accuracy.
- imbalanced binary tables (make_classification, weights=[0.97, 0.03]):
  scale + LogisticRegression at the 0.5 cut-off, with a cut-off chosen for
  macro F1 on 5-fold out-of-fold probabilities of the training rows (as
  TunedThresholdClassifierCV, which scikit-learn 1.2 lacks), and with
  class_weight="balanced": macro F1 and balanced accuracy.

Usage: /usr/bin/python3 bench/sklearn_tables.py DATASETS OUT
Prints one JSON object.
"""
import json
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

warnings.filterwarnings("ignore")
datasets, out = sys.argv[1], sys.argv[2]
NA = ["", "NA", "N/A", "NaN", "null", "None", "."]


def penguins_like(seed, n=400):
    rng = np.random.default_rng(seed)
    species = rng.choice(["Adelie", "Chinstrap", "Gentoo"], n, p=[0.45, 0.2, 0.35])
    base = {"Adelie": (38.8, 18.3, 190), "Chinstrap": (48.8, 18.4, 196), "Gentoo": (47.5, 15.0, 217)}
    island = {"Adelie": ["Biscoe", "Dream", "Torgersen"], "Chinstrap": ["Dream"], "Gentoo": ["Biscoe"]}
    rows = []
    for s in species:
        b = base[s]
        sex = rng.choice(["MALE", "FEMALE"])
        bump = 1.5 if sex == "MALE" else 0
        rows.append({
            "bill length (mm)": round(rng.normal(b[0] + bump, 2.8), 1),
            "bill,depth": round(rng.normal(b[1] + bump / 3, 1.1), 1),
            "Flipper-Length": round(rng.normal(b[2] + 2 * bump, 7)),
            "island": rng.choice(island[s]),
            "sex": sex if rng.random() > 0.06 else rng.choice(["NA", "."]),
            "species": s,
        })
    df = pd.DataFrame(rows)
    for col in ["bill length (mm)", "Flipper-Length"]:
        df.loc[rng.random(n) < 0.04, col] = np.nan
    return df


def breast_cancer_holes(seed):
    df = pd.read_csv(f"{datasets}/breast_cancer.csv")
    rng = np.random.default_rng(seed)
    feats = df.columns[:-1]
    for col in feats[:6]:
        df.loc[rng.random(len(df)) < 0.05, col] = np.nan
    df.insert(0, "grade", rng.choice(["low", "mid", "high"], len(df)))
    return df


def imbalanced(seed, n=4000):
    X, y = make_classification(n_samples=n, n_features=10, n_informative=4, n_redundant=2,
                               weights=[0.97, 0.03], flip_y=0.01, class_sep=1.0, random_state=seed)
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(10)])
    df["label"] = y
    return df


def mixed_model(train):
    X = train.iloc[:, :-1]
    cat = [c for c in X.columns if X[c].dtype == object]
    num = [c for c in X.columns if c not in cat]
    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), num),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="(missing)"),
                              OneHotEncoder(handle_unknown="ignore")), cat),
    ])
    return make_pipeline(pre, StandardScaler(with_mean=False), LogisticRegression(max_iter=500))


def best_cut(p, y):
    cuts = np.unique(p)
    scores = [f1_score(y, (p >= t).astype(int), average="macro") for t in cuts]
    return cuts[int(np.argmax(scores))]


TABLES = {
    "penguins-like": ("mixed", penguins_like(1)),
    "breast-cancer-holes": ("mixed", breast_cancer_holes(2)),
    "imbalanced-1": ("imbalanced", imbalanced(1)),
    "imbalanced-2": ("imbalanced", imbalanced(2)),
    "imbalanced-3": ("imbalanced", imbalanced(3)),
}

result = {}
for name, (kind, df) in TABLES.items():
    target = df.columns[-1]
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    files, scores = [], []
    for k, (tr, te) in enumerate(folds.split(df, df[target])):
        train, test = df.iloc[tr], df.iloc[te]
        paths = [f"{out}/{name}.fold{k}.{part}.csv" for part in ("train", "test")]
        train.to_csv(paths[0], index=False, na_rep="")
        test.to_csv(paths[1], index=False, na_rep="")
        files.append(paths)
        # both sides read the same files, pandas with its own NA markers plus "."
        train = pd.read_csv(paths[0], na_values=["."])
        test = pd.read_csv(paths[1], na_values=["."])
        X, y = train.iloc[:, :-1], train.iloc[:, -1]
        Xt, yt = test.iloc[:, :-1], test.iloc[:, -1]
        if kind == "mixed":
            scores.append({"accuracy": accuracy_score(yt, mixed_model(train).fit(X, y).predict(Xt))})
            continue
        plain = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
        p = plain.fit(X, y).predict_proba(Xt)[:, 1]
        oof = cross_val_predict(make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
                                X, y, cv=StratifiedKFold(5, shuffle=True, random_state=0),
                                method="predict_proba")[:, 1]
        cut = best_cut(oof, y)
        balanced = make_pipeline(StandardScaler(),
                                 LogisticRegression(max_iter=500, class_weight="balanced"))
        pb = balanced.fit(X, y).predict(Xt)
        scores.append({
            "f1": f1_score(yt, (p >= 0.5).astype(int), average="macro"),
            "tunedF1": f1_score(yt, (p >= cut).astype(int), average="macro"),
            "balancedBalancedAccuracy": balanced_accuracy_score(yt, pb),
            "plainBalancedAccuracy": balanced_accuracy_score(yt, (p >= 0.5).astype(int)),
        })
    mean = {key: float(np.mean([s[key] for s in scores])) for key in scores[0]}
    result[name] = {"kind": kind, "target": target, "folds": files, "sklearn": mean}
print(json.dumps(result))
