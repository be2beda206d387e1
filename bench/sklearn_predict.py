"""The scikit-learn side of bench/predict.ts: pandas.read_csv -> predict_proba
-> to_csv on the same file, with our model's coefficients loaded into a
StandardScaler + LogisticRegression pipeline (the same model, not a refit).

Usage: /usr/bin/python3 bench/sklearn_predict.py MODEL.json DATA.csv OUT.csv
Prints {"seconds": <read_csv + predict_proba + to_csv>} on stdout.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

MODEL, DATA, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
with open(MODEL) as f:
    doc = json.load(f)
features = [f["name"] for f in doc["features"]]
if any(f["type"] != "numeric" for f in doc["features"]) or len(doc["classes"]) != 2:
    sys.exit("sklearn_predict.py: numeric features and two classes only")
scaler = StandardScaler()
scaler.mean_ = np.array([f["mean"] for f in doc["features"]])
scaler.scale_ = np.array([f["scale"] for f in doc["features"]])
scaler.var_ = scaler.scale_**2
scaler.n_features_in_ = len(features)
# our two-class weights are w0 = beta/2, w1 = -beta/2 (lib/model/solver.ts)
w0 = np.array(doc["estimator"]["classifiers"][0]["weights"][0])
beta = 2 * w0
clf = LogisticRegression()
clf.coef_ = beta[1:].reshape(1, -1)
clf.intercept_ = beta[:1]
clf.classes_ = np.array(doc["classes"])
clf.n_features_in_ = len(features)
pipe = make_pipeline(scaler, clf)

start = time.perf_counter()
df = pd.read_csv(DATA)
proba = pipe.predict_proba(df[features].to_numpy())
out = pd.DataFrame({"prediction": clf.classes_[proba.argmax(axis=1)]})
for k, label in enumerate(clf.classes_):
    out[f"p_{label}"] = proba[:, k]
out.to_csv(OUT, index=False)
print(json.dumps({"seconds": time.perf_counter() - start}))
