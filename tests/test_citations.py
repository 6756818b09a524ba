"""gigatwin.citations: a computation lists exactly the sources it used."""

import pytest

from gigatwin.citations import Citation, cites, collect, register

A = Citation(key="test_a2020", authors="A", title="Model A", venue="J. Test 1", year=2020, doi="10.0/a")
B = Citation(key="test_b2021", authors="B", title="Model B", venue="J. Test 2", year=2021)


@cites(A)
def model_a(x):
    return 2 * x


@cites(B)
def model_b(x):
    return x + 1


def test_collect_records_only_used_models_in_order():
    with collect() as used:
        model_b(model_a(1))
        model_a(2)
    # model_a runs first (it is the argument of model_b); each source is listed once
    assert used.keys() == ["test_a2020", "test_b2021"]
    with collect() as used_only_a:
        model_a(3)
    assert used_only_a.keys() == ["test_a2020"]


def test_nested_collections_both_see_inner_use():
    with collect() as outer:
        with collect() as inner:
            model_a(1)
        model_b(1)
    assert inner.keys() == ["test_a2020"]
    assert set(outer.keys()) == {"test_a2020", "test_b2021"}


def test_conflicting_registration_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        register(Citation(key="test_a2020", authors="Z", title="other", venue="x", year=1999))


def test_text_contains_doi():
    assert "doi:10.0/a" in A.text()
