"""Live twin: median time of one calibration update and one recommendation.

Run: .venv/bin/python benchmarks/bench_live.py
"""

import time

import numpy as np

from gigatwin.twin import load_recipe
from gigatwin.twin.live import BiasFilter, CoatingModel, Limits, TwinController
from gigatwin.twin.live.calender import CalenderModel
from gigatwin.twin.live.quality import CellPredictor, ElectrodeInput


def main() -> None:
    recipe = load_recipe("examples/recipes/nmc622_graphite_pouch.yaml")
    f, rng = BiasFilter(), np.random.default_rng(0)
    times = []
    for i in range(20000):
        y = 0.2 * 1.006 + 1e-3 * rng.standard_normal()
        t0 = time.perf_counter()
        f.update(10.0 * i, y, 0.2, 0.0, 1e-6)
        times.append(time.perf_counter() - t0)
    print(f"calibration update: median {np.median(times) * 1e6:.1f} us")
    model = CoatingModel(recipe, "cathode")
    ctl = TwinController(0.205, Limits(), speed=Limits(0.9, 1.0, 0.02))
    times = []
    for w in np.linspace(0.68, 0.72, 50):      # a new batch: the chain runs once
        t0 = time.perf_counter()
        ctl.recommend(model.base_loading(float(w)), f.mean)
        times.append(time.perf_counter() - t0)
    print(f"recommendation (chain at the batch's solid content): median "
          f"{np.median(times) * 1e3:.2f} ms")
    calender = CalenderModel(recipe, "cathode")
    times = []
    for loading in np.linspace(0.200, 0.210, 20):   # a coil's loading: the chain on a grid
        t0 = time.perf_counter()
        calender.load_for(float(loading))
        times.append(time.perf_counter() - t0)
    print(f"line-load recommendation (chain on 21 loads): median "
          f"{np.median(times) * 1e3:.2f} ms")
    predictor = CellPredictor(recipe, samples=256)
    inputs = {}
    for e in ("cathode", "anode"):
        w = recipe[f"{e}.slurry_solid_content"].nominal
        base = CoatingModel(recipe, e).base_loading(w)
        inputs[e] = ElectrodeInput(base, 1e-3 * base, w, base)
    times = []
    for k in range(20):                 # one coil pair: the chain for 256 cells
        t0 = time.perf_counter()
        predictor.predict(k, 0.0, "coated", inputs)
        times.append(time.perf_counter() - t0)
    print(f"cell prediction (chain, 256 cells of a coil pair): median "
          f"{np.median(times) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
