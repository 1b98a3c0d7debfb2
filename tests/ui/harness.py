"""The real Dagster webserver and a headless Debian chromium, each started by the test and always stopped by it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.harness.postgres import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Headless chromium as root needs --no-sandbox; the rest keep it from reaching the network or updating itself.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,1200",
)
LOCATION = "video_assets"
STARTUP_SECONDS = 90
WORKSPACE = f"""load_from:
  - python_module:
      module_name: video_assets.definitions
      location_name: {LOCATION}
      working_directory: {Path(__file__).resolve().parents[2]}
"""
LOCATION_STATUS = """{ workspaceOrError { ... on Workspace { locationEntries {
  name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


class Webserver:
    """A started `dagster-webserver`: its URL and a GraphQL client for what the UI itself asks."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def graphql(self, query: str, **variables: object) -> dict:
        answer = requests.post(f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=30)
        answer.raise_for_status()
        body = answer.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def wait_until_loaded(self) -> None:
        """The server answers before the code location has loaded; the UI is only complete after it has."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert self.process.poll() is None, f"dagster-webserver exited:\n{self.log.read_text()[-3000:]}"
            try:
                entries = self.graphql(LOCATION_STATUS)["workspaceOrError"]["locationEntries"]
                [entry] = [e for e in entries if e["name"] == LOCATION]
                if entry["loadStatus"] == "LOADED":
                    error = entry["locationOrLoadError"]
                    assert error["__typename"] == "RepositoryLocation", f"{LOCATION} failed to load: {error}"
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the webserver did not load {LOCATION}:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.25)


def fresh_dagster_home(tmp_path: Path, screenshots: Path) -> Path:
    """An empty DAGSTER_HOME with telemetry off under `tmp_path`, and an emptied screenshots folder."""
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    shutil.rmtree(screenshots, ignore_errors=True)
    screenshots.mkdir(parents=True)
    return dagster_home


def code_settings(home: Path, database_url: str, media: Path) -> dict[str, str]:
    """What the definitions' resources read in the webserver's code server: the run's database and object store."""
    return {
        "VIDEO_ASSETS_HOME": str(home),
        "VIDEO_ASSETS_DATABASE_URL": database_url,
        "VIDEO_ASSETS_LOCAL_ROOTS": str(media),
    }


@contextmanager
def dagster_webserver(dagster_home: Path, settings: dict[str, str], folder: Path) -> Iterator[Webserver]:
    """`dagster-webserver` on a free localhost port over `dagster_home`, loading our definitions with exactly the
    given VIDEO_ASSETS_* settings (none leak in from the developer's shell). Its own session, so stopping it also
    stops the code server it spawns."""
    workspace = folder / "workspace.yaml"
    workspace.write_text(WORKSPACE)
    environment = {name: value for name, value in os.environ.items() if not name.startswith("VIDEO_ASSETS_")}
    environment |= settings | {"DAGSTER_HOME": str(dagster_home)}
    port = free_port()
    executable = Path(sys.executable).parent / "dagster-webserver"
    log = folder / "webserver.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(executable), "-h", "127.0.0.1", "-p", str(port), "-w", str(workspace)],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield Webserver(process, f"http://127.0.0.1:{port}", log)
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGINT (Ctrl-C, which shuts dagster-webserver down sooner than SIGTERM) to the whole session, then SIGKILL to
    whatever of it is still there after a grace period."""
    try:
        os.killpg(process.pid, signal.SIGINT)
    except ProcessLookupError:
        return
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=15)
    deadline = time.monotonic() + 5
    try:
        while time.monotonic() < deadline:
            os.killpg(process.pid, 0)  # raises once no process of the group is left
            time.sleep(0.1)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


@contextmanager
def chromium(profile: Path, log: Path) -> Iterator[webdriver.Chrome]:
    """Debian's chromium through its chromedriver; a profile of its own, so parallel runs never share one."""
    for binary in (CHROMIUM, CHROMEDRIVER):
        assert shutil.which(binary), f"{binary} is missing: run scripts/system-deps.sh (apt chromium chromium-driver)"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER, log_output=str(log)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
