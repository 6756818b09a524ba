from pathlib import Path

import pandas as pd
import pytest

from gigatwin.quality import subgroup_matrix

DATA = Path(__file__).parent / "data"


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, comment="#")


@pytest.fixture(scope="session")
def pistonrings():
    """Subgroup matrix (40 x 5) of the qcc/Montgomery piston-ring diameters [mm]."""
    d = read("pistonrings.csv")
    return subgroup_matrix(d["diameter"], subgroup_ids=d["sample"])
