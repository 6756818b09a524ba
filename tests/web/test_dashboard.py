"""The dashboard in a real browser (Debian's chromium): the main journeys of each page,
with a screenshot of every page into docs/img/ (the docs show them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import PASSWORDS, POINTS, SIGNAL_ASSET, SIGNAL_KEY

from gigatwin.spec import load_registry

pytestmark = pytest.mark.slow
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
LAPTOP = {"width": 1366, "height": 800}


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport=LAPTOP, base_url=server)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


def _login(page, user: str, password: str | None = None) -> None:
    page.goto("/")
    page.fill("#login-form input[name=username]", user)
    page.fill("#login-form input[name=password]", password or PASSWORDS[user])
    page.click("#login-form button")


def _shot(page, name: str) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / f"web_{name}.png"), full_page=True)


def test_login_refuses_a_wrong_password_then_lets_in(page):
    page.goto("/")
    page.wait_for_selector("#login-form")
    assert not page.is_visible("#nav") and not page.is_visible("#logout")  # nothing before login
    _shot(page, "login")
    _login(page, "erik", "not-the-password")
    page.wait_for_selector("#login-error:has-text('wrong username or password')")
    _login(page, "erik")
    page.wait_for_selector("#nav:not([hidden])")
    assert page.text_content("#who") == "erik (engineer)"
    page.errors = [e for e in page.errors if "401" not in e]  # the refused login itself
    assert page.errors == []


def test_specification_browser_filters_by_step_role_and_measurability(page):
    _login(page, "vera")
    page.wait_for_selector("#spec-table tbody tr")
    page.select_option("#spec-filter select[name=step]", "coating")
    page.select_option("#spec-filter select[name=role]", "MP")
    registry = load_registry()
    expected = [p.key for p in registry.step_parameters("coating") if p.role == "MP"]
    expect(page.locator("#spec-table tbody tr")).to_have_count(len(expected))
    assert page.locator("#spec-table tbody tr td.mono").all_text_contents() == expected
    page.click("#spec-table tbody tr >> nth=0")
    assert registry.parameters[expected[0]].label in page.text_content("#spec-detail")
    page.select_option("#spec-filter select[name=role]", "")
    page.select_option("#spec-filter select[name=online]", "online")
    online = [p for p in registry.step_parameters("coating") if p.online == "online"]
    expect(page.locator("#spec-table tbody tr")).to_have_count(len(online))
    _shot(page, "spec")
    assert page.errors == []


def test_twin_calculator_runs_a_simulation_and_draws_its_charts(page):
    _login(page, "erik")
    page.click("#nav a[data-page=twin]")
    page.wait_for_selector("#twin-form select[name=example] option", state="attached")
    page.select_option("#twin-form select[name=example]", "nmc622_graphite_pouch")
    page.fill("#twin-form input[name=samples]", "3000")
    page.click("#twin-form button")
    page.wait_for_selector("#twin-result:not([hidden])", timeout=120_000)
    assert page.locator("#twin-hist svg").count() == 8
    assert page.locator("#twin-hist svg rect.bar").count() == 8 * 40
    titles = page.locator("#twin-hist svg text.title").all_text_contents()
    assert titles[:2] == ["cell capacity", "cell energy"]  # the spec keys, cell outputs first
    steps = page.locator("#twin-table tbody tr td:first-child").all_text_contents()
    assert {"electrolyte_filling", "aging_eol", "cell"} <= set(steps)
    assert "3000 samples" in page.text_content("#twin-status")
    assert page.locator("#twin-yield svg text").filter(has_text="overall").count() == 1
    # the run was a background job: a reloaded page finds it and shows its result again
    page.reload()
    page.wait_for_selector("#twin-result:not([hidden])", timeout=60_000)
    expect(page.locator("#twin-status")).to_contain_text("3000 samples")
    expect(page.locator("#jobs-table tbody tr")).to_have_count(1)
    expect(page.locator("#jobs-table tbody tr td.state")).to_have_text("done")
    page.wait_for_selector("#twin-form select[name=example] option", state="attached")
    page.select_option("#twin-form select[name=example]", "lfp_graphite_prismatic")  # compare
    page.click("#twin-form button")
    expect(page.locator("#twin-compare")).to_contain_text("NMC622")
    expect(page.locator("#twin-status")).to_contain_text("LFP")
    expect(page.locator("#jobs-table tbody tr")).to_have_count(2)
    _shot(page, "twin")
    assert page.errors == []


def test_factory_page_shows_cost_by_step(page):
    _login(page, "vera")
    page.click("#nav a[data-page=factory]")
    page.wait_for_selector("#factory-table tbody tr")
    summary = page.text_content("#factory-summary")
    assert "GWh/yr" in summary
    # what the cost covers is said beside it (report.result_dict's cost_scope)
    assert "(conversion only: materials not priced" in summary or \
        "(conversion and materials)" in summary, summary
    _shot(page, "factory")
    assert page.errors == []


def test_spc_page_charts_a_stored_signal(page):
    _login(page, "vera")
    page.click("#nav a[data-page=spc]")
    page.wait_for_selector("#spc-form select[name=series] option", state="attached")
    page.select_option("#spc-form select[name=series]",
                       label=f"{SIGNAL_KEY} @ {SIGNAL_ASSET} ({POINTS})")
    page.click("#spc-form button")
    page.wait_for_selector("#spc-chart svg")
    assert page.locator("#spc-chart svg").count() == 2  # individuals and moving range
    assert page.locator("#spc-chart svg >> nth=0").locator("circle.signal").count() > 0
    _shot(page, "spc")
    assert page.errors == []


def _store_readings(app, first: int, count: int) -> None:
    """``count`` wet-film readings [um] after every stored one, written to the store as
    an ingester writes them (the page is told through its event stream)."""
    from datetime import UTC, datetime, timedelta

    from gigatwin.ingest.record_writer import Delivery, RecordWriter

    start = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    records = [{"key": SIGNAL_KEY, "value": 205.0 + (i % 3), "unit": "um", "asset": SIGNAL_ASSET,
                "ts": (start + timedelta(seconds=10 * i)).isoformat(), "id": f"web-pushed-{i}"}
               for i in range(first, first + count)]
    with app.state.database.session() as store:
        RecordWriter(store).write([Delivery("web-test", r) for r in records], counter_source="web")


def _raise_alarm(app, event_id: str, message: str) -> None:
    from datetime import UTC, datetime

    with app.state.database.session() as store:
        store.add_event(event_id, datetime(2026, 11, 24, 9, 0, tzinfo=UTC), "alarm",
                        asset_id=SIGNAL_ASSET, severity="warning", code=f"ewma:{SIGNAL_KEY}",
                        message=message)


def test_line_monitor_grows_its_chart_and_alarms_as_they_are_pushed(page, service):
    _login(page, "erik")
    page.click("#nav a[data-page=spc]")
    page.wait_for_selector("#spc-form select[name=series] option", state="attached")
    label = page.locator("#spc-form select[name=series] option").filter(
        has_text=f"{SIGNAL_KEY} @ {SIGNAL_ASSET}").first.text_content()
    page.select_option("#spc-form select[name=series]", label=label)
    page.click("#spc-form button")
    page.wait_for_selector("#spc-chart svg")
    expect(page.locator("#spc-live")).to_contain_text("waiting for new readings")
    chart = page.locator("#spc-chart svg >> nth=0")
    before = chart.locator("circle").count()
    assert before >= POINTS
    # readings stored while the page is open arrive through the event stream: no reload
    _store_readings(service, 0, 5)
    expect(page.locator("#spc-live")).to_contain_text("5 new reading(s) pushed")
    expect(chart.locator("circle")).to_have_count(before + 5)
    _store_readings(service, 5, 3)
    expect(page.locator("#spc-live")).to_contain_text("8 new reading(s) pushed")
    expect(chart.locator("circle")).to_have_count(before + 8)
    # an alarm raised meanwhile appears, and the engineer acknowledges it with a comment
    _raise_alarm(service, "web-alarm-1", "EWMA alarm on wet_film_thickness")
    row = page.locator("#alarms-table tbody tr[data-alarm=web-alarm-1]")
    expect(row).to_have_count(1)
    row.locator("input[name=comment]").fill("die lip cleaned")
    row.locator("button", has_text="Acknowledge").click()
    expect(row).to_contain_text("erik")
    expect(row).to_contain_text("die lip cleaned")
    assert row.locator("button").count() == 0  # acknowledged: nothing more to offer
    _raise_alarm(service, "web-alarm-2", "wet_film_thickness stuck at 205 for 12 readings")
    expect(page.locator("#alarms-table tbody tr[data-alarm=web-alarm-2]")).to_have_count(1)
    _shot(page, "spc")
    assert page.errors == []
    with service.state.database.reader() as store:
        acked = store.alarm("web-alarm-1")
    assert (acked["acked_by"], acked["comment"]) == ("erik", "die lip cleaned")
    # a viewer sees the alarms but is not offered the acknowledgement
    page.click("#logout")
    _login(page, "vera")
    page.click("#nav a[data-page=spc]")
    expect(page.locator("#alarms-table tbody tr[data-alarm=web-alarm-2]")).to_have_count(1)
    assert page.locator("#alarms-table button").count() == 0


def test_performance_page_runs_a_small_job_and_cancels_a_long_one(page):
    _login(page, "erik")
    page.click("#nav a[data-page=perf]")
    page.wait_for_selector("#perf-form select[name=example] option", state="attached")
    page.select_option("#perf-form select[name=example]", "nmc622_graphite_pouch")
    page.fill("#perf-form input[name=rates]", "0.5, 2")
    page.select_option("#perf-form select[name=model]", "spme")
    page.fill("#perf-form input[name=samples]", "0")
    page.click("#perf-form button")
    page.wait_for_selector("#perf-result:not([hidden])", timeout=180_000)
    expect(page.locator("#perf-table tbody tr")).to_have_count(2)
    assert page.locator("#perf-chart svg path.curve").count() == 2
    capacity = [float(t) for t in page.locator("#perf-table tbody tr td:nth-child(2)").all_text_contents()]
    assert capacity[0] > capacity[1] > 0  # less charge comes out at 2 C than at 0.5 C
    expect(page.locator("#perf-jobs tbody tr td.state").first).to_have_text("done")
    _shot(page, "perf")
    # 20 sampled cells take long: cancelled, the job stops at its next cell
    page.fill("#perf-form input[name=samples]", "20")
    page.click("#perf-form button")
    expect(page.locator("#perf-cancel")).to_be_visible(timeout=60_000)
    page.click("#perf-cancel")
    expect(page.locator("#perf-status")).to_contain_text("cancelled", timeout=120_000)
    expect(page.locator("#perf-jobs tbody tr td.state").first).to_have_text("cancelled")
    assert page.errors == []


def test_design_page_optimises_and_shows_the_pareto_front(page):
    _login(page, "erik")
    page.click("#nav a[data-page=design]")
    page.wait_for_selector("#design-form select[name=problem] option", state="attached")
    page.select_option("#design-form select[name=problem]", "nmc811_21700")
    page.fill("#design-form input[name=generations]", "3")
    page.fill("#design-form input[name=population]", "12")
    page.click("#design-form button")
    page.wait_for_selector("#design-result:not([hidden])", timeout=180_000)
    designs = page.locator("#design-table tbody tr").count()
    assert designs >= 2
    assert page.locator("#design-chart svg circle").count() == designs
    chosen = page.locator("#design-table tbody tr.chosen").count()
    assert 1 <= chosen == page.locator("#design-chart svg circle.chosen").count()
    headers = page.locator("#design-table thead th").all_text_contents()
    assert "cathode.coating_areal_loading [mg/cm^2]" in headers
    assert "energy_density [W*h/kg]" in headers
    _shot(page, "design")
    assert page.errors == []


def test_trace_finds_a_cells_genealogy(page, server):
    import httpx

    _login(page, "vera")
    page.click("#nav a[data-page=trace]")
    page.fill("#trace-form input[name=object]", "CELL-00000007")
    page.click("#trace-form button")
    page.wait_for_selector("#trace-graph svg g.node")
    token = httpx.post(f"{server}/api/v1/auth/token",
                       data={"username": "vera", "password": PASSWORDS["vera"]}).json()["access_token"]
    reached = httpx.get(f"{server}/api/v1/trace/CELL-00000007",
                        headers={"Authorization": f"Bearer {token}"}).json()["reached"]
    assert page.locator("#trace-table tbody tr").count() == len(reached)
    assert page.locator("#trace-graph svg g.node").count() == len(reached)
    assert page.locator("#trace-graph svg g.node.start").count() == 1
    assert page.is_visible("#trace-record")
    _shot(page, "trace")
    page.fill("#trace-form input[name=object]", "CELL-99999999")
    page.click("#trace-form button")
    expect(page.locator("#trace-status")).to_contain_text("error")
    assert "CELL-99999999" in page.text_content("#trace-status")


def test_a_viewer_is_not_offered_what_a_viewer_may_not_do(page):
    _login(page, "vera")
    page.wait_for_selector("#nav:not([hidden])")
    assert not page.is_visible("#nav a[data-page=twin]")
    assert not page.is_visible("#nav a[data-page=admin]")
    page.goto("/#admin")
    page.wait_for_selector("#page-spec:not([hidden])")
    assert page.is_hidden("#page-admin")


def test_admin_adds_a_user_and_sees_it_in_the_audit_log(page):
    _login(page, "ada")
    page.click("#nav a[data-page=admin]")
    page.wait_for_selector("#users-table tbody tr")
    page.fill("#user-form input[name=username]", "nora")
    page.fill("#user-form input[name=password]", "nora-password-1")
    page.select_option("#user-form select[name=role]", "engineer")
    page.click("#user-form button")
    page.wait_for_selector("#users-table tbody tr:has-text('nora')")
    assert page.locator("#audit-table tbody tr").first.text_content().count("nora") == 1
    _shot(page, "admin")  # before a key is shown, so that no key is in the docs
    page.fill("#key-form input[name=name]", "coater-2")
    page.click("#key-form button")
    expect(page.locator("#key-new")).to_contain_text("gtk_")
    expect(page.locator("#audit-table tbody tr").first).to_contain_text("key.create")
    assert page.errors == []


def test_live_twin_shows_its_estimate_and_an_engineer_accepts_advice(page):
    _login(page, "vera")  # a viewer sees the estimate but may not calibrate or decide
    page.click("#nav a[data-page=live]")
    page.wait_for_selector("#line-status:has-text('stopped')")
    assert page.is_hidden("#line-form") and page.is_hidden("#live-follow")
    page.click("#logout")
    _login(page, "erik")
    page.click("#nav a[data-page=live]")
    page.wait_for_selector("#live-form select[name=example] option", state="attached")
    assert page.is_hidden("#line-form")  # starting the line is for admins
    page.select_option("#live-form select[name=example]", "nmc622_graphite_pouch")
    page.click("#live-follow")
    expect(page.locator("#live-status")).to_contain_text("60 readings", timeout=60_000)
    page.wait_for_selector("#live-chart svg path.band")
    expect(page.locator("#recs-table tbody tr")).to_have_count(2)
    first = page.locator("#recs-table tbody tr").first
    first.locator("button", has_text="accept").click()
    expect(first.locator("td.state")).to_have_text("accepted")
    assert first.locator("button").count() == 0  # decided: nothing more to offer
    _shot(page, "live")
    assert page.errors == []


def test_admin_starts_the_virtual_line_and_sees_data_arrive_then_stops_it(page):
    """Last in this module: the line's records join the store the other tests read."""
    _login(page, "ada")
    page.click("#nav a[data-page=live]")
    page.wait_for_selector("#line-form select[name=line] option", state="attached")
    page.fill("#line-form input[name=duration_h]", "48")
    page.fill("#line-form input[name=speed]", "2000")
    page.click("#line-form button[type=submit]")
    expect(page.locator("#line-status")).to_contain_text("running", timeout=30_000)
    # the page reads the line's state again while it runs: records arrive
    expect(page.locator("#line-status")).not_to_contain_text(" 0 records stored",
                                                              timeout=120_000)
    _shot(page, "line")
    page.click("#line-stop")
    expect(page.locator("#line-status")).to_contain_text("stopped", timeout=30_000)
    assert page.errors == []
