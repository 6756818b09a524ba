"""Background jobs: a job's result equals the direct answer, progress is seen while it
runs, cancellation stops it, and jobs outlive the page (and the service) that made them."""

from __future__ import annotations

import threading
import time

import pytest
from support import make_app

from gigatwin.api import accounts
from gigatwin.api.jobs import JobManager


def _wait(client, headers, job_id, states=("done", "failed", "cancelled"), timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["state"] in states:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {job['state']} after {timeout} s")


@pytest.fixture
def engineer():
    from fastapi.testclient import TestClient

    app = make_app()
    with app.state.database.session() as store:
        accounts.add_user(store, "erik", "engineer-password-1", "engineer", actor="test")
        accounts.add_user(store, "emma", "engineer-password-2", "engineer", actor="test")
    client = TestClient(app)

    def login(name, password):
        token = client.post("/api/v1/auth/token", data={"username": name, "password": password})
        return {"Authorization": f"Bearer {token.json()['access_token']}"}

    yield app, client, login("erik", "engineer-password-1"), login("emma", "engineer-password-2")
    app.state.jobs.shutdown()
    app.state.database.close()


def test_a_simulation_job_gives_the_direct_answer(engineer):
    app, client, erik, _ = engineer
    params = {"example": "nmc622_graphite_pouch", "samples": 200, "seed": 3}
    submitted = client.post("/api/v1/jobs", json={"kind": "simulation", "params": params},
                            headers=erik)
    assert submitted.status_code == 202, submitted.text
    job = _wait(client, erik, submitted.json()["job_id"])
    assert job["state"] == "done" and job["progress"] == 1.0 and job["owner"] == "erik"
    result = client.get(f"/api/v1/jobs/{job['job_id']}/result", headers=erik).json()
    direct = client.post("/api/v1/simulations", json=params, headers=erik).json()
    assert result["yield"] == direct["yield"]  # same seed, same cells
    assert result["histograms"] == direct["histograms"]
    listed = client.get("/api/v1/jobs", params={"mine": True}, headers=erik).json()
    assert [j["job_id"] for j in listed] == [job["job_id"]]


def test_bad_parameters_are_refused_when_submitted(engineer):
    _, client, erik, _ = engineer
    for body, status, words in [
        ({"kind": "simulation", "params": {"example": "nmc622_graphite_pouch", "samples": 0}},
         422, "params.samples"),
        ({"kind": "simulation", "params": {"example": "no_such_recipe"}}, 404, "no_such_recipe"),
        ({"kind": "plant", "params": {"plant": "twin_recipe_plant", "scenarios": ["warp"]}},
         422, "warp"),
        ({"kind": "performance", "params": {"example": "nmc622_graphite_pouch", "rates": [0]}},
         422, "(0, 10]"),
        ({"kind": "weather", "params": {}}, 422, "kind"),
    ]:
        response = client.post("/api/v1/jobs", json=body, headers=erik)
        assert response.status_code == status, (body, response.text)
        assert words in response.text, response.text
    assert client.get("/api/v1/jobs", headers=erik).json() == []  # nothing was queued


def test_progress_is_seen_and_cancelling_stops_the_job(engineer):
    app, client, erik, emma = engineer
    manager: JobManager = app.state.jobs
    reached, steps = threading.Event(), []

    def runner(progress):
        for i in range(1000):
            progress(i, 1000, f"step {i}")
            steps.append(i)
            if i == 250:
                reached.set()
            time.sleep(0.01)
        return {"finished": True}

    job = manager.submit("simulation", {}, runner, owner="erik")
    assert reached.wait(30)
    seen = client.get(f"/api/v1/jobs/{job['job_id']}", headers=erik).json()
    assert seen["state"] == "running" and 0.25 <= seen["progress"] < 1
    assert client.delete(f"/api/v1/jobs/{job['job_id']}", headers=emma).status_code == 403
    assert client.delete(f"/api/v1/jobs/{job['job_id']}", headers=erik).status_code == 200
    done = _wait(client, erik, job["job_id"])
    assert done["state"] == "cancelled"
    assert len(steps) < 1000  # stopped at a progress report, not run to the end
    assert client.get(f"/api/v1/jobs/{job['job_id']}/result", headers=erik).status_code == 409
    assert client.delete(f"/api/v1/jobs/{job['job_id']}", headers=erik).status_code == 409


def test_a_failing_job_says_why(engineer):
    app, client, erik, _ = engineer

    def runner(progress):
        raise ValueError("coating speed = -3 m/min is outside [0.1, 100] m/min")

    job = app.state.jobs.submit("simulation", {}, runner, owner="erik")
    failed = _wait(client, erik, job["job_id"])
    assert failed["state"] == "failed" and "coating speed = -3 m/min" in failed["error"]


def test_jobs_outlive_the_page_and_the_service(engineer):
    """A restarted service still has the results, and marks failed, saying why, a job
    whose process is gone; a job of a process still alive is left alone."""
    import subprocess
    import sys
    from datetime import UTC, datetime

    from gigatwin.api.jobs import RUNNER

    app, client, erik, _ = engineer
    done = app.state.jobs.submit("plant", {}, lambda progress: {"answer": 42}, owner="erik")
    _wait(client, erik, done["job_id"])
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    host = RUNNER.rsplit(":", 1)[0]
    with app.state.database.session() as store:
        for job_id, runner in (("j_gone", f"{host}:{gone}"), ("j_alive", RUNNER)):
            store.backend.execute(
                "INSERT INTO api_jobs (job_id, kind, owner, state, progress, params, runner, "
                "created_ts) VALUES (?, 'plant', 'erik', 'running', 0.5, '{}', ?, ?)",
                (job_id, runner, datetime.now(UTC)))
        store.backend.commit()
    restarted = JobManager(app.state.database)  # as a new service on the same store
    try:
        assert restarted.result(done["job_id"]) == {"answer": 42}
        interrupted = restarted.get("j_gone")
        assert interrupted["state"] == "failed"
        assert "stopped before the job finished" in interrupted["error"]
        assert restarted.get("j_alive")["state"] == "running"
        assert client.get("/api/v1/jobs/j_gone", headers=erik).json()["state"] == "failed"
    finally:
        restarted.shutdown()


def test_a_cancel_written_by_another_process_stops_the_job(engineer):
    """With several worker processes the cancel may arrive through another one: it is
    read from the store when the job saves its progress."""
    app, client, erik, _ = engineer
    reached = threading.Event()

    def runner(progress):
        for i in range(400):
            progress(i, 400)
            if i == 5:
                reached.set()
            time.sleep(0.02)
        return {"finished": True}

    job = app.state.jobs.submit("simulation", {}, runner, owner="erik")
    assert reached.wait(30)
    other = JobManager(app.state.database)  # another worker process's manager
    try:
        other.cancel(job["job_id"])
        assert _wait(client, erik, job["job_id"])["state"] == "cancelled"
        assert app.state.jobs.result(job["job_id"]) is None
    finally:
        other.shutdown()


def test_only_the_newest_finished_jobs_are_kept(engineer):
    app, client, erik, _ = engineer
    manager = JobManager(app.state.database, kept=3)
    try:
        ids = [manager.submit("plant", {}, lambda p, i=i: {"i": i}, owner="erik")["job_id"]
               for i in range(5)]
        for job_id in ids[-1:]:
            _wait(client, erik, job_id)
        time.sleep(0.2)
        kept = {j["job_id"] for j in manager.list()}
        assert kept == set(ids[-3:])
    finally:
        manager.shutdown()


def test_a_comparison_job_gives_the_twins_comparison(engineer):
    from gigatwin.api.examples import example_file
    from gigatwin.twin import load_recipe
    from gigatwin.twin.compare import compare

    _, client, erik, _ = engineer
    params = {"a": {"example": "nmc622_graphite_pouch"}, "b": {"example": "lfp_graphite_prismatic"},
              "samples": 300, "seed": 2}
    job = client.post("/api/v1/jobs", json={"kind": "comparison", "params": params},
                      headers=erik).json()
    assert _wait(client, erik, job["job_id"])["state"] == "done"
    result = client.get(f"/api/v1/jobs/{job['job_id']}/result", headers=erik).json()
    direct = compare(load_recipe(example_file("recipes", "nmc622_graphite_pouch")),
                     load_recipe(example_file("recipes", "lfp_graphite_prismatic")),
                     samples=300, seed=2).as_dict()
    assert result["yield"]["difference"] == pytest.approx(direct["yield"]["difference"])
    assert [o["name"] for o in result["outputs"]] == [o["name"] for o in direct["outputs"]]


@pytest.mark.slow
def test_performance_and_design_jobs_give_the_domains_answers(engineer):
    """PyBaMM (SPMe, coarse mesh, the nominal cell at 1C) and NSGA-II (one generation of
    four): each job's result equals the direct call's, and performance reported its
    cells as progress."""
    from gigatwin.api.examples import example_file, examples_dir
    from gigatwin.twin import load_recipe
    from gigatwin.twin.performance import design as inverse
    from gigatwin.twin.performance.rate_capability import rate_capability

    _, client, erik, _ = engineer
    performance = client.post("/api/v1/jobs", headers=erik, json={
        "kind": "performance", "params": {"example": "nmc622_graphite_pouch", "rates": [1.0],
                                          "model": "spme", "samples": 0, "mesh": "coarse"}})
    design = client.post("/api/v1/jobs", headers=erik, json={
        "kind": "design", "params": {"problem": "nmc811_21700", "generations": 1,
                                     "population": 4}})
    assert performance.status_code == design.status_code == 202, (performance.text, design.text)
    done = _wait(client, erik, performance.json()["job_id"], timeout=600)
    assert done["state"] == "done", done["error"]
    assert done["message"] == "done" and done["progress"] == 1.0
    got = client.get(f"/api/v1/jobs/{done['job_id']}/result", headers=erik).json()
    direct = rate_capability(load_recipe(example_file("recipes", "nmc622_graphite_pouch")),
                             [1.0], "spme", 0, 0, "coarse").to_dict()
    assert got["nominal"]["discharges"][0]["capacity"] == pytest.approx(
        direct["nominal"]["discharges"][0]["capacity"], rel=1e-9)
    done = _wait(client, erik, design.json()["job_id"], timeout=600)
    assert done["state"] == "done", done["error"]
    got = client.get(f"/api/v1/jobs/{done['job_id']}/result", headers=erik).json()
    problem = inverse.load_problem(examples_dir() / "design" / "nmc811_21700.yaml")
    assert got["pareto"] == pytest.approx(inverse.optimise(problem, 1, 4, 0).rows())
