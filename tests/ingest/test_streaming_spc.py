"""Streaming SPC over stored series (gigatwin.ingest.spc): runs, stuck sensors, alarms."""

import numpy as np

from gigatwin.ingest import spc


def _ts(n, step=10):
    return np.datetime64("2026-01-05T06:00:00", "us") + np.arange(n) * np.timedelta64(step, "s")


def test_runs_of_true_values():
    flags = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 1], dtype=bool)
    assert spc._runs(flags) == [(1, 2), (4, 4), (7, 9)]
    assert spc._runs(np.zeros(4, dtype=bool)) == []


def test_a_sensor_is_stuck_after_ten_identical_readings_not_before():
    noise = np.random.default_rng(1).normal(20.0, 0.01, 40)
    nine, twelve = noise.copy(), noise.copy()
    nine[5:14] = 20.5          # 9 identical readings in a row: not yet stuck
    twelve[20:32] = 20.5       # 12 in a row: stuck, raised at the 10th (index 29)
    assert spc._stuck("a", "k", _ts(40), nine) == []
    alarms = spc._stuck("a", "k", _ts(40), twelve)
    assert len(alarms) == 1
    alarm = alarms[0]
    assert alarm.rule == "stuck" and alarm.points == 12 and alarm.value == 20.5
    assert alarm.raised.isoformat() == "2026-01-05T06:04:50+00:00"   # reading 29 x 10 s
    assert alarm.cleared.isoformat() == "2026-01-05T06:05:10+00:00"  # reading 31


def test_consecutive_signals_are_one_alarm_cleared_at_the_next_quiet_point():
    signalling = np.array([0, 1, 1, 1, 0, 0, 1, 0], dtype=bool)
    values = np.arange(8.0)
    alarms = spc._episodes("a", "k", _ts(8), values, signalling, center=0.0)
    assert [(a.points, a.value) for a in alarms] == [(3, 1.0), (1, 6.0)]
    assert alarms[0].raised.isoformat() == "2026-01-05T06:00:10+00:00"
    assert alarms[0].cleared.isoformat() == "2026-01-05T06:00:40+00:00"
    assert alarms[1].cleared.isoformat() == "2026-01-05T06:01:10+00:00"


# ---------------------------------------------------------------- rational subgroups

def test_variance_components_by_hand():
    # subgroups [1, 3], [2, 4], [6, 8]: means 2, 3, 7 (centre 4); each has squared
    # deviations 1 + 1 = 2, so sigma_w^2 = 6 / 3 = 2; the means' variance is
    # (4 + 1 + 9) / 2 = 7, of which sigma_w^2 / n = 1 is within: sigma_b^2 = 6
    centre, within, between = spc.variance_components(
        np.array([2.0, 3.0, 7.0]), np.array([2.0, 2.0, 2.0]), np.array([2.0, 2.0, 2.0]))
    assert (centre, within, between) == (4.0, 2.0, 6.0)
    # means closer together than the within variation explains: sigma_b^2 = 0, not < 0
    assert spc.variance_components(np.array([2.0, 2.1]), np.array([2.0, 2.0]),
                                   np.array([2.0, 2.0]))[2] == 0.0


def _phase1_then(shift):
    """12 Phase I subgroups of two products (means alternating 0 and 2, each mean +- 1),
    then one subgroup whose mean is ``shift`` standard deviations of a subgroup mean
    above the centre: sigma_w^2 = 2, var(means) = 12/11, sigma_b^2 = 12/11 - 2/2 = 1/11,
    so a mean of two products has sigma^2 = 1/11 + 2/2 = 12/11."""
    means = [0.0, 2.0] * 6 + [1.0 + shift * np.sqrt(12 / 11)]
    values = np.array([m + d for m in means for d in (-1.0, 1.0)])
    labels = [f"ROLL-{i:02d}" for i in range(13) for _ in range(2)]
    return _ts(26, step=1800), labels, values


def test_the_subgroup_chart_standardises_each_mean_by_within_and_between_variation():
    # EWMA with lambda 0.2, L 4: the first point after Phase I signals when
    # 0.2 |z| > 4 sqrt(0.2 / 1.8 (1 - 0.8^2)) = 0.8, i.e. |z| > 4
    alarms, reason = spc._subgroup_chart("a", "k", *_phase1_then(4.5), phase1=0.0)
    assert reason == "" and len(alarms) == 1
    alarm = alarms[0]
    assert alarm.center == 1.0 and alarm.points == 1
    assert alarm.value == 1.0 + 4.5 * np.sqrt(12 / 11)
    assert alarm.raised.isoformat() == "2026-01-05T18:30:00+00:00"   # its last product
    assert spc._subgroup_chart("a", "k", *_phase1_then(3.5), phase1=0.0) == ([], "")
    # with sigma_w alone (0.5 for a mean of two) the 3.5 shift would be 3.6 sigma_w
    # and signal: the between-coil part widens the limits


def test_too_few_subgroups_are_not_monitored():
    ts, labels, values = _phase1_then(4.5)
    alarms, reason = spc._subgroup_chart("a", "k", ts[:20], labels[:20], values[:20],
                                         phase1=0.0)
    assert alarms == [] and "10 subgroups" in reason and "needs 12" in reason


def test_cells_are_grouped_by_the_rolls_they_come_from(tmp_path):
    from datetime import UTC, datetime

    from gigatwin.store import open_store

    t = datetime(2026, 1, 5, 6, tzinfo=UTC)
    objects, edges = [], []
    for k in range(2):
        for e in ("C", "A"):
            objects += [{"object_id": f"{e}-BATCH-{k}", "kind": "slurry_batch"},
                        {"object_id": f"{e}-COIL-{k}", "kind": "roll"},
                        {"object_id": f"{e}-COIL-{k}-L1", "kind": "coil"}]
            edges += [{"parent_id": f"{e}-BATCH-{k}", "child_id": f"{e}-COIL-{k}"},
                      {"parent_id": f"{e}-COIL-{k}", "child_id": f"{e}-COIL-{k}-L1"}]
        for cell in range(3):
            name = f"CELL-{k}-{cell}"
            objects.append({"object_id": name, "kind": "cell"})
            edges += [{"parent_id": f"{e}-COIL-{k}-L1", "child_id": name} for e in "CA"]
    with open_store(f"duckdb://{tmp_path / 'g.duckdb'}") as store:
        store.add_objects([{**o, "created_ts": t} for o in objects])
        store.add_edges(edges)
        family = spc._Family(store)
        cells = ["CELL-0-0", "CELL-1-2", "CELL-0-2", "CELL-1-0"]
        assert family.subgroups(cells, ("roll",)) == [
            "A-COIL-0 C-COIL-0", "A-COIL-1 C-COIL-1", "A-COIL-0 C-COIL-0",
            "A-COIL-1 C-COIL-1"]
        # fewer than two products per subgroup on average: each is its own
        assert family.subgroups(cells[:3], ("roll",)) is None
        # a coil is its own subgroup: no roll above it, one batch per coil
        assert family.subgroups(["C-COIL-0", "C-COIL-1"], ("roll", "slurry_batch")) is None
        assert family.subgroups(["NOT-STORED"], ("roll",)) is None
        assert family.subgroups(cells, ()) is None
