import sys
import threading
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(TESTS / "api"))

from support import add_live_records, make_app, populate  # noqa: E402

from _servers import free_port, missing, wait_for_port  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
# Debian's chromium, driven by Playwright; nothing is downloaded (no `playwright install`).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """A populated gigatwin app served on a free loopback port (a DuckDB file store)."""
    import uvicorn

    store = tmp_path_factory.mktemp("web") / "web.duckdb"
    app = make_app(f"duckdb://{store}")
    populate(app)
    add_live_records(app)  # gauge readings for the live twin's page
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port)
    app.state.url = f"http://127.0.0.1:{port}"
    yield app
    server.should_exit = True  # open event streams end at once (gigatwin.api.streams)
    thread.join(timeout=10)
    app.state.line.shutdown()
    app.state.jobs.shutdown()
    app.state.database.close()


@pytest.fixture(scope="module")
def server(service):
    """The service's address."""
    return service.state.url


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} (Debian package chromium; `make test` installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
