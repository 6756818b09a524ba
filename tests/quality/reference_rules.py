"""The per-point reference of the run rules, written from the rule table (slow, plain Python).

One implementation serves the tests (vectorised rules == reference) and the benchmark's
baseline (benchmarks/bench_quality.py). NaN needs no special case: every comparison with
NaN is False, so a window holding one never fires.
"""

from __future__ import annotations

from gigatwin.quality.rules import RULES


def naive_rules(z, names) -> dict[str, list[int]]:
    """For every point and rule, test the rule on the window ending there; fired indices per rule."""
    out: dict[str, list[int]] = {name: [] for name in names}
    for i in range(len(z)):
        for name in names:
            r = RULES[name]
            if i < r.window - 1:
                continue
            w = z[i - r.window + 1:i + 1]
            if r.kind == "beyond":
                ok = abs(w[-1]) > r.threshold
            elif r.kind == "zone_same_side":
                ok = (sum(v > r.threshold for v in w) >= r.needed
                      or sum(v < -r.threshold for v in w) >= r.needed)
            elif r.kind == "same_side":
                ok = all(v > 0 for v in w) or all(v < 0 for v in w)
            elif r.kind == "within":
                ok = all(abs(v) < r.threshold for v in w)
            elif r.kind == "outside":
                ok = all(abs(v) > r.threshold for v in w)
            elif r.kind == "trend":
                d = [b - a for a, b in zip(w, w[1:], strict=False)]
                ok = all(x > 0 for x in d) or all(x < 0 for x in d)
            else:  # alternate
                d = [b - a for a, b in zip(w, w[1:], strict=False)]
                ok = all(d[j] * d[j - 1] < 0 for j in range(1, len(d)))
            if ok:
                out[name].append(i)
    return out
