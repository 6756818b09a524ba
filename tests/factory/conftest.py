from pathlib import Path

import pytest

from gigatwin.factory import load_plant

PLANTS = Path(__file__).resolve().parents[2] / "examples" / "plants"


@pytest.fixture
def plants_dir() -> Path:
    return PLANTS


@pytest.fixture
def batpac_plant():
    return load_plant(PLANTS / "batpac_nmc622_100k_packs.yaml")


@pytest.fixture
def yuan_plant():
    return load_plant(PLANTS / "yuan2017_pilot_lmo.yaml")


@pytest.fixture
def industrial_plant():
    return load_plant(PLANTS / "industrial_nmc622_10gwh.yaml")


@pytest.fixture
def plant_raw():
    """The plant file's mapping (a fresh copy), for tests that edit a plant file."""
    import yaml

    def read(plant) -> dict:
        return yaml.safe_load(plant.path.read_text(encoding="utf-8"))
    return read
