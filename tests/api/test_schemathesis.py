"""Property-based tests of every operation of the OpenAPI schema (schemathesis).

Generated requests, valid and invalid, go to a populated service as an admin (who may
call every operation); none may be answered with a 5xx, and at least 1,000 cases run in
total (counted, and checked by the last test of this module).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from support import PASSWORDS, make_app, populate

APP = make_app()
populate(APP)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
CASES = {"count": 0, "operations": set()}
MINIMUM_CASES = 1000
pytestmark = pytest.mark.slow  # about 1.5 minutes on 2 cores


def _admin_headers() -> dict:
    from fastapi.testclient import TestClient

    with TestClient(APP) as client:
        token = client.post("/api/v1/auth/token", data={"username": "ada", "password": PASSWORDS["ada"]})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


HEADERS = _admin_headers()


@schema.parametrize()
@settings(max_examples=45, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_error(case):
    CASES["count"] += 1
    CASES["operations"].add(case.operation.label)
    if case.path == "/api/v1/users/{username}" and case.method == "DELETE":
        case.path_parameters = {**(case.path_parameters or {}), "username": "no-such-user"}
    if case.path == "/api/v1/stream":  # one look, then the stream ends (not an hour)
        case.query = {**(case.query or {}), "max_s": 0}
    try:
        case.call_and_validate(headers=HEADERS, checks=[not_a_server_error])
    finally:
        if case.path == "/api/v1/line/start":  # a generated run may be long: end it
            APP.state.line.shutdown()


def test_at_least_a_thousand_cases_ran():
    """Runs after the generated tests above (pytest keeps the module's order)."""
    assert len(CASES["operations"]) == len(list(schema.get_all_operations()))
    assert CASES["count"] >= MINIMUM_CASES, CASES["count"]
    print(f"\n{CASES['count']} schemathesis cases over {len(CASES['operations'])} operations")
