"""Project-wide test settings.

``make test`` runs the suite on two pytest-xdist workers with ``--dist loadgroup``
(pyproject's addopts). A module-scoped fixture (a simulation, a server, a browser) is
made once per worker that runs a test of its module, so the hook below keeps the tests
of a module that use one on the same worker: the fixture is made once, as in a serial
run; so are the modules of ``SAME_WORKER``, whose tests share state another way. Tests
without such a fixture (the bad-input corpus, most unit tests) are spread one by one. A
test may name its own ``xdist_group``; that one is kept.
"""

import os

import pytest

os.environ.setdefault("PYBAMM_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MPLBACKEND", "Agg")

# Fixture scopes finer than a worker's session and coarser than one test.
_SHARED_SCOPES = {"module", "package", "class"}
# Modules whose tests share state without a fixture, kept on one worker, in order.
SAME_WORKER = {
    # its last test checks the count of generated cases, kept in a module-level dict
    "tests/api/test_schemathesis.py",
}


def _shares_a_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(definitions[-1].scope in _SHARED_SCOPES
               for name, definitions in info.name2fixturedefs.items()
               if name in info.names_closure and definitions)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.nodeid.split("::")[0]
        if item.get_closest_marker("xdist_group") is None and (
                module in SAME_WORKER or _shares_a_fixture(item)):
            item.add_marker(pytest.mark.xdist_group(module))
