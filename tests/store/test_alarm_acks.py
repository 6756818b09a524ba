"""Alarms and their acknowledgement (migration 5), on DuckDB and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest

from gigatwin.store import open_store

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def _alarms(store) -> None:
    """Five alarms a minute apart (A0 oldest) on two stations, and one plain event.
    A1 and A3 are cleared."""
    for i in range(5):
        store.add_event(f"A{i}", T0 + timedelta(minutes=i), "alarm",
                        asset_id="coater-1" if i % 2 == 0 else "calender-1",
                        severity="warning", code=f"ewma:key{i}", message=f"alarm {i}")
    store.add_event("E0", T0, "event", asset_id="coater-1", message="shift change")
    store.clear_alarm("A1", T0 + timedelta(minutes=10))
    store.clear_alarm("A3", T0 + timedelta(minutes=11))


def _ids(rows) -> list[str]:
    return [r["event_id"] for r in rows]


def test_alarms_are_listed_newest_first_by_state_station_and_time(store_url):
    with open_store(store_url) as store:
        _alarms(store)
        assert _ids(store.alarms()) == ["A4", "A3", "A2", "A1", "A0"]  # no plain event
        assert _ids(store.alarms(state="open")) == ["A4", "A2", "A0"]
        assert _ids(store.alarms(state="cleared")) == ["A3", "A1"]
        assert _ids(store.alarms(asset_id="calender-1")) == ["A3", "A1"]
        assert _ids(store.alarms(since=T0 + timedelta(minutes=3))) == ["A4", "A3"]
        assert _ids(store.alarms(state="open", asset_id="coater-1",
                                 since=T0 + timedelta(minutes=1))) == ["A4", "A2"]
        # pages: two at a time cover every alarm once, in order
        pages = [_ids(store.alarms(limit=2, offset=o)) for o in (0, 2, 4)]
        assert pages == [["A4", "A3"], ["A2", "A1"], ["A0"]]
        assert store.count_alarms() == 5
        assert store.count_alarms(state="open", asset_id="coater-1") == 3
        first = store.alarms(limit=1, offset=4)[0]
        assert first["ts"] == T0 and first["state"] == "open" and not first["acknowledged"]
        assert (first["code"], first["message"], first["asset_id"]) == (
            "ewma:key0", "alarm 0", "coater-1")


def test_acknowledging_is_idempotent_and_keeps_the_first(store_url):
    with open_store(store_url) as store:
        _alarms(store)
        when = T0 + timedelta(hours=1)
        alarm, new = store.acknowledge_alarm("A2", "erik", comment="nozzle cleaned", ts=when)
        assert new
        assert (alarm["acked_by"], alarm["acked_ts"], alarm["comment"]) == (
            "erik", when, "nozzle cleaned")
        assert alarm["acknowledged"] and alarm["state"] == "open"  # still open: not cleared
        again, new = store.acknowledge_alarm("A2", "ada", comment="again",
                                             ts=when + timedelta(minutes=5))
        assert not new
        assert (again["acked_by"], again["acked_ts"], again["comment"]) == (
            "erik", when, "nozzle cleaned")
        assert store.query("SELECT count(*) FROM alarm_acks")[0][0] == 1
        store.acknowledge_alarm("A1", "erik")  # a cleared alarm may be acknowledged too
        assert _ids(store.alarms(state="acknowledged")) == ["A2", "A1"]
        assert _ids(store.alarms(state="unacknowledged")) == ["A4", "A3", "A0"]


def test_an_unknown_alarm_or_a_plain_event_cannot_be_acknowledged(store_url):
    with open_store(store_url) as store:
        _alarms(store)
        for missing in ("NOPE", "E0", "A1' OR '1'='1"):
            with pytest.raises(KeyError, match="no alarm"):
                store.acknowledge_alarm(missing, "erik")
            assert store.alarm(missing) is None
        assert store.query("SELECT count(*) FROM alarm_acks")[0][0] == 0


def test_filters_are_data_and_bad_arguments_say_why(store_url):
    with open_store(store_url) as store:
        _alarms(store)
        assert store.alarms(asset_id="coater-1' OR '1'='1") == []
        assert store.count_alarms(asset_id="x'; DELETE FROM events; --") == 0
        assert store.count("events") == 6
        with pytest.raises(ValueError, match="state = 'closed' is not one of open, cleared"):
            store.alarms(state="closed")
        with pytest.raises(ValueError, match=r"limit = 0 is outside \[1, 10000\]"):
            store.alarms(limit=0)
        with pytest.raises(ValueError, match="offset = -1 is below 0"):
            store.alarms(offset=-1)


def test_a_store_of_version_4_keeps_its_alarms_when_migrated(store_url, monkeypatch):
    import gigatwin.store.migrations as migrations

    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:4])
        with open_store(store_url) as store:
            _alarms(store)
            assert store.schema_version() == 4
    with open_store(store_url) as store:
        assert store.schema_version() == 5
        assert _ids(store.alarms(state="open")) == ["A4", "A2", "A0"]
        alarm, new = store.acknowledge_alarm("A0", "erik")
        assert new and alarm["acked_by"] == "erik"
