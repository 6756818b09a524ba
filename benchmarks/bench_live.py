"""Live twin: median time of one calibration update and one recommendation.

Run: .venv/bin/python benchmarks/bench_live.py
"""

import time

import numpy as np

from gigatwin.twin import load_recipe
from gigatwin.twin.live import BiasFilter, CoatingModel, Limits, TwinController
from gigatwin.twin.live.calender import CalenderModel, shrink
from gigatwin.twin.live.calibration import segment_means
from gigatwin.twin.live.control import plan
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
    # metre-resolved: a coil's 30 ranges, loading and dried porosity binned and shrunk,
    # the load per range (the chain at 3 loads per range) and the profile's clip
    anode = CalenderModel(recipe, "anode")
    limits = Limits(-0.5, 0.5, 0.05)
    times = []
    for k in range(20):
        rng = np.random.default_rng(k)
        ts = np.arange(0.0, 600.0, 10.0)
        loading = 0.115 * (1 + 0.003 * rng.standard_normal(ts.size))
        dry = 1.05e-4 * (1 + 0.005 * rng.standard_normal(ts.size))
        t0 = time.perf_counter()
        bins = segment_means(ts, loading, 0.0, 600.0, 30)
        shrunk = shrink([b[2] for b in bins], [b[3] for b in bins], 1e-8, 1e-7)
        dried_bins = segment_means(ts, dry, 0.0, 600.0, 30)
        dried = anode.dried_porosity(shrunk, [b[2] for b in dried_bins])
        center = anode.load_for(float(np.median(loading)))
        limits.clip_profile(anode.segment_loads(shrunk, dried, center) - 1, 0.0)
        times.append(time.perf_counter() - t0)
    print(f"line-load profile for a coil (30 ranges; chain on 21 loads + 90 samples): "
          f"median {np.median(times) * 1e3:.2f} ms")
    times = []
    for k in range(20):       # the pump plan over a queue of 3 batches (after a stop)
        wanted = [0.01 * k / 20 - 0.01, 0.014, 0.02]
        t0 = time.perf_counter()
        plan(wanted, -0.0116, Limits())
        times.append(time.perf_counter() - t0)
    print(f"pump plan over a queue of 3 batches (lsq_linear): median "
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
    sei = BiasFilter(prior_std=0.2)
    times = []
    for i in range(20000):     # one SEI-factor update per coil pair's formation result
        t0 = time.perf_counter()
        sei.update(3600.0 * i, 1.0 + 0.01 * rng.standard_normal(), 1.0, 0.0, 1e-4)
        times.append(time.perf_counter() - t0)
    print(f"SEI loss factor update (one coil pair's first-cycle loss): median "
          f"{np.median(times) * 1e6:.1f} us")


if __name__ == "__main__":
    main()
