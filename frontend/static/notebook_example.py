# A layer's units, top dataset examples and weights in pandas and numpy, over the JSON API.
# pip install httpx numpy pandas   (and pyarrow for the Parquet alternative below)
import io
import json
import os

import httpx
import numpy as np
import pandas as pd

client = httpx.Client(base_url=os.environ.get("MICROSCOPE_URL", "http://127.0.0.1:8000"), timeout=60)
model = os.environ.get("MICROSCOPE_MODEL") or client.get("/api/v1").json()["models"][0]["id"]
# The second layer of the model by default: it has weights from the first.
layer = os.environ.get("MICROSCOPE_LAYER") or client.get(f"/api/v1/models/{model}").json()["layers"][1]["name"]
api = f"/api/v1/models/{model}/layers/{layer}"

# 1. Units: one row each, the layer API's fields, scores flattened to `scores.NAME` columns.
#    Same table from Parquet: pd.read_parquet(io.BytesIO(client.get(f"{api}/units.parquet").content))
lines = client.get(f"{api}/units.jsonl").text.splitlines()
units = pd.json_normalize([json.loads(line) for line in lines])

# 2. Top dataset examples of the first 8 units: one row per (unit, example), highest activation first.
examples = pd.DataFrame(
    {"unit": unit, **example}
    for unit in units["unit"].head(8)
    for example in client.get(f"{api}/units/{unit}").json()["dataset_examples"]
)

# 3. Weights into the layer from its previous one: W[out, in, kh, kw] as a numpy array.
weights = client.get(f"{api}/weights").json()
W = np.load(io.BytesIO(client.get(weights["download_url"]).content))

print(units[["ref", "label"]].head())
print(examples[["unit", "rank", "activation", "label"]].head())
print(f"W {W.shape} from {weights['source']}; strongest input of unit 0: {int(np.abs(W[0]).sum(axis=(1, 2)).argmax())}")
