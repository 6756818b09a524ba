"""Trace and track on small genealogies worked out by hand, on DuckDB and PostgreSQL."""

import pytest

from gigatwin.store import open_store
from gigatwin.trace import map_range, trace, track
from gigatwin.trace.generate import Plant, load

pytestmark = pytest.mark.integration


def _by_id(reached):
    return {r.object_id: r.as_dict()["ranges_m"] for r in reached}


@pytest.fixture
def line(store_url):
    """Two slurry batches coat roll R (B1: 0-1000 m, B2: 1000-2000 m); R is calendered
    into RC stretching 2 % (0-2000 m -> 0-2040 m); RC is slit into coils K1, K2; sheets
    S1 (K1 1224-1275 m), S2 (K2 1224-1275 m), S3 (K1 100-150 m) and a sheet S4 of an
    anode coil KA; stack T1 = S1 + S4, T2 = S2, T3 = S3; cells C1..C3 hold T1..T3."""
    objects = [("L1", "lot"), ("L2", "lot"), ("B1", "slurry_batch"), ("B2", "slurry_batch"),
               ("R", "roll"), ("RC", "roll"), ("K1", "coil"), ("K2", "coil"), ("KA", "coil"),
               ("S1", "sheet"), ("S2", "sheet"), ("S3", "sheet"), ("S4", "sheet"),
               ("T1", "stack"), ("T2", "stack"), ("T3", "stack"), ("C1", "cell"), ("C2", "cell"),
               ("C3", "cell")]
    edges = [("L1", "B1", None, None, None, None), ("L2", "B2", None, None, None, None),
             ("L1", "B2", None, None, None, None),
             ("B1", "R", None, None, 0.0, 1000.0), ("B2", "R", None, None, 1000.0, 2000.0),
             ("R", "RC", 0.0, 2000.0, 0.0, 2040.0),
             ("RC", "K1", 0.0, 2040.0, 0.0, 2040.0), ("RC", "K2", 0.0, 2040.0, 0.0, 2040.0),
             ("K1", "S1", 1224.0, 1275.0, None, None), ("K2", "S2", 1224.0, 1275.0, None, None),
             ("K1", "S3", 100.0, 150.0, None, None), ("KA", "S4", 10.0, 11.0, None, None),
             ("S1", "T1", None, None, None, None), ("S4", "T1", None, None, None, None),
             ("S2", "T2", None, None, None, None), ("S3", "T3", None, None, None, None),
             ("T1", "C1", None, None, None, None), ("T2", "C2", None, None, None, None),
             ("T3", "C3", None, None, None, None)]
    store = open_store(store_url)
    store.add_objects([{"object_id": i, "kind": k} for i, k in objects])
    store.add_edges([dict(zip(("parent_id", "child_id", "parent_from_m", "parent_to_m",
                                "child_from_m", "child_to_m"), e, strict=True)) for e in edges])
    yield store
    store.close()


def test_map_range_is_linear():
    # 2 % stretch: metre 1200 of the roll is metre 1224 of the calendered roll.
    assert map_range(1200.0, 1250.0, (0.0, 2000.0), (0.0, 2040.0)) == pytest.approx((1224.0, 1275.0))


def test_trace_cell_gives_roll_positions_and_only_the_batch_that_coated_them(line):
    up = _by_id(trace(line, "C1"))
    assert set(up) == {"C1", "T1", "S1", "S4", "K1", "KA", "RC", "R", "B2", "L1", "L2"}
    # S1 is K1 1224-1275 m = RC 1224-1275 m = R 1200-1250 m (2 % stretch undone by hand).
    assert up["K1"] == [[1224.0, 1275.0]]
    assert up["R"][0] == pytest.approx([1200.0, 1250.0])
    assert up["KA"] == [[10.0, 11.0]]
    assert "B1" not in up  # B1 coated 0-1000 m only


def test_track_roll_range_finds_exactly_the_cells_holding_it(line):
    down = _by_id(track(line, "R", 1200.0, 1250.0))
    cells = sorted(i for i in down if i.startswith("C") and len(i) == 2)
    assert cells == ["C1", "C2"]  # C3 holds K1 100-150 m = R 98-147 m
    assert down["RC"][0] == pytest.approx([1224.0, 1275.0])
    # A range that no sheet used reaches the coils but no cell.
    unused = _by_id(track(line, "R", 1900.0, 1950.0))
    assert {"K1", "K2"} <= set(unused) and not {"S1", "S2", "S3", "C1", "C2", "C3"} & set(unused)


def test_track_whole_lot_through_converging_and_diverging_flows(line):
    down = _by_id(track(line, "L1"))
    assert {"B1", "B2", "R", "C1", "C2", "C3"} <= set(down)
    # L2 went only into B2, which coated 1000-2000 m of R: the cell with R 98-147 m is not reached.
    from_l2 = _by_id(track(line, "L2"))
    assert down.keys() - from_l2.keys() == {"L1", "B1"} | {"S3", "T3", "C3"}
    assert from_l2["R"] == [[1000.0, 2000.0]]


def test_track_rejects_half_a_range(line):
    with pytest.raises(ValueError, match="--from"):
        track(line, "R", 1200.0, None)
    with pytest.raises(KeyError, match="nope"):
        trace(line, "nope")


def test_generated_plant_trace_and_track_agree(store_url):
    """Invariant on a generated plant: a cell traced back to roll metres is found again when
    those metres are tracked forward."""
    plant = Plant(cells=3000, roll_length_m=200.0, segment_length_m=2.0, lanes=2)
    with open_store(store_url) as store:
        load(store, plant)
        for cell in ("CELL-00000000", "CELL-00001234", "CELL-00002999"):
            up = trace(store, cell)
            rolls = [r for r in up if r.kind == "roll"]
            assert len(rolls) == 2  # one cathode, one anode roll
            for roll in rolls:
                (lo, hi), = roll.as_dict()["ranges_m"]
                assert hi - lo == pytest.approx(plant.segment_length_m)
                cells = {r.object_id for r in track(store, roll.object_id, lo, hi) if r.kind == "cell"}
                # lanes coils run along the roll: the same metres went into one cell per lane
                assert cell in cells and len(cells) == plant.lanes
