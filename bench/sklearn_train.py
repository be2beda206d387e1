"""The seed's train.py flow, parameterised: read CSV, stratified split,
StandardScaler + LogisticRegression, score, write model + metrics + card.

Usage: /usr/bin/python3 bench/sklearn_train.py DATA.csv OUTDIR
"""
import json
import os
import sys

import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

DATA, OUTDIR = sys.argv[1], sys.argv[2]
os.makedirs(OUTDIR, exist_ok=True)

df = pd.read_csv(DATA)
y = df.pop(df.columns[-1])
X_train, X_test, y_train, y_test = train_test_split(
    df, y, test_size=0.2, random_state=42, stratify=y
)
clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X_train, y_train)
pred = clf.predict(X_test)
metrics = {
    "accuracy": float(accuracy_score(y_test, pred)),
    "f1": float(f1_score(y_test, pred, average="macro")),
}
joblib.dump(clf, f"{OUTDIR}/model.pkl")
with open(f"{OUTDIR}/metrics.json", "w") as f:
    json.dump(metrics, f, indent=2)
with open(f"{OUTDIR}/model_card.md", "w") as f:
    f.write(f"# MVD LogisticRegression\n\nMetrics: {metrics}\nData: {DATA}\nSeed: 42\n")
print(json.dumps(metrics))
