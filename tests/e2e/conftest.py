"""Browser tests: the real app served by waitress on loopback, driven in Debian's Chromium.

Playwright cannot download its own browsers here, so the launch is pointed at
/usr/bin/chromium (see /work/shared/TOOLCHAIN.md). Every test in this folder is
marked ``e2e``.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import waitress
from playwright.sync_api import expect

from tests.conftest import PASSWORD, Clock, add_people, make_services

E2E_DIR = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Generous enough for a loaded CI machine, short enough that a missing element fails fast.
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    """Mark every test collected from this folder as ``e2e`` (``-m "not e2e"`` skips them)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, with the system Chromium instead of a download."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS]}


@pytest.fixture(scope="session")
def base_url(pytestconfig):
    """Replaces pytest-playwright 0.10's fallback ``base_url`` (used when pytest-base-url is not
    installed): it is a session fixture defined as an instance method, which pytest 9 deprecates
    with a PytestRemovedIn10Warning -- an error under filterwarnings=error. Same behaviour; the
    tests themselves hand each context the live server's URL."""
    return pytestconfig.getoption("--base-url", default=None) or pytestconfig.getini("base_url") or None


@dataclass
class LiveServer:
    url: str
    services: object
    people: dict
    password: str = PASSWORD


@contextmanager
def serve(directory: Path, clock, config: dict | None = None, port: int = 0):
    """Build services on a fresh SQLite file in ``directory`` with one person per role, and
    serve ``webapp.create_app`` (with ``config`` added) with waitress on 127.0.0.1 (``port``,
    or a free one) until the block ends."""
    from webapp import create_app

    services = make_services(f"sqlite:///{directory / 'policyflow.db'}", clock)
    people = add_people(services)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(directory)  # the instance folder (secret key) lands in ``directory``
        app = create_app({"TESTING": False, **(config or {})}, services=services)
    server = waitress.create_server(app, host="127.0.0.1", port=port, threads=8)
    stopping = threading.Event()

    def run():
        try:
            server.run()
        except OSError:  # its sockets are closed under its poll while it stops: expected then only
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, name="waitress-e2e", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.effective_port}", services, people)
    finally:
        stopping.set()

        def close_all() -> None:
            server.close()
            # Browser keep-alive connections stay in waitress' socket map after close();
            # close them too so the loop ends and the worker threads stop.
            for channel in list(server._map.values()):
                channel.close()

        # Closed from inside the server's loop, woken by its trigger: the loop ends at once
        # instead of at the end of its 1 s poll.
        server.trigger.pull_trigger(close_all)
        server.task_dispatcher.shutdown()
        thread.join(timeout=5)
        close_all()  # nothing is left open if the loop had already stopped
        services.database.dispose()


@pytest.fixture
def live_server(tmp_path, clock):
    """The app on a fresh database for this test; yields its URL, services and people."""
    with serve(tmp_path, clock) as server:
        yield server


@pytest.fixture(scope="module")
def module_live_server(tmp_path_factory):
    """Like ``live_server``, shared by the tests of one module (for read-only page checks)."""
    with serve(tmp_path_factory.mktemp("live"), Clock()) as server:
        yield server


@pytest.fixture
def browser_page(new_context, live_server):
    """A page in a fresh browser context whose relative URLs go to the live server."""
    context = new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


# --- helpers shared by the e2e tests (handed out by the ``ui`` fixture) ----------------------

def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the nav's "Sign in" link and the login form; lands on the inbox."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    page.wait_for_url("**/login*")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox")
    expect(page.get_by_role("status").filter(has_text=f"Signed in as {username}.")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="My tasks")).to_be_visible()


def sign_out(page, username: str) -> None:
    """Press the nav's "Sign out <name>" button; the visitor lands on the published policies."""
    page.get_by_role("navigation", name="Main").get_by_role("button", name=f"Sign out {username}").click()
    page.wait_for_url("**/published")
    expect(page.get_by_role("status").filter(has_text="You have signed out.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()


def wait_for_diagram(page):
    """Wait until the diagram viewer has imported the BPMN and placed its markers."""
    diagram = page.locator(".diagram")
    expect(diagram).to_have_attribute("data-diagram-ready", "true")
    return diagram


class UI:
    """What a person does with the pages again and again, as the tests' shared vocabulary."""
    sign_in = staticmethod(sign_in)
    sign_out = staticmethod(sign_out)
    wait_for_diagram = staticmethod(wait_for_diagram)


@pytest.fixture
def ui():
    return UI
