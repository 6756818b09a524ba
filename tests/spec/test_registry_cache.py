"""The pickled registry: the same registry as parsing, and a new file content is a miss."""

import shutil

from gigatwin.spec import registry


def test_cached_registry_equals_parsed_and_follows_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("GIGATWIN_SPEC_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "data"
    shutil.copytree(registry.default_data_dir(), data)
    paths = sorted(data.glob("*.yaml"))
    parsed = registry.load_files(paths)
    first = registry._from_disk_cache(paths)  # a miss: parses, validates, pickles
    again = registry._from_disk_cache(paths)  # a hit
    assert first == parsed and again == parsed
    assert len(list((tmp_path / "cache").glob("registry-*.pickle"))) == 1
    coating = data / "coating.yaml"
    coating.write_text(coating.read_text().replace("label: Coating speed", "label: Web speed", 1))
    changed = registry._from_disk_cache(paths)
    assert changed.parameters["coating_speed"].label == "Web speed"
    assert len(list((tmp_path / "cache").glob("registry-*.pickle"))) == 2


def test_invalid_files_are_not_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("GIGATWIN_SPEC_CACHE", str(tmp_path / "cache"))
    bad = tmp_path / "coating.yaml"
    bad.write_text("step: coating\nname: Coating\nparameters:\n- key: Bad Key\n")
    assert registry._from_disk_cache([bad]) is None
    assert not list((tmp_path / "cache").glob("*.pickle"))


def test_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("GIGATWIN_SPEC_CACHE", "0")
    assert registry._from_disk_cache(sorted(registry.default_data_dir().glob("*.yaml"))) is None
