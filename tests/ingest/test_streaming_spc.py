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
