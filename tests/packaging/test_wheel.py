"""Build the wheel, install it into a fresh virtualenv and run resdir from it, outside the checkout:
what an operator who installs the package (not the repository) gets."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEED_MANIFEST = REPO / "data" / "seed" / "manifest.toml"
# What `make wheel` builds before the wheel and git ignores: without them the wheel is incomplete.
BUILT_FILES = (
    "resdir/translations/es/LC_MESSAGES/messages.mo",
    "resdir/static/vendor/leaflet/leaflet.js",
    "resdir/static/vendor/leaflet/leaflet.css",
)
INSTALL_SECONDS = 300  # the pinned dependencies from PyPI (or pip's cache): 37-57 s here
START_SECONDS = 60
MEETINGS_94110 = {"location": {"postal_code": "94110"}, "needs": ["sober_social.meeting"]}
MEETING = "Red Road Group"  # the first meeting for 94110 in the demo feed (tests/functional)
SPANISH_HEADING = "Lugares que le sirven"  # "Places that fit", from the Spanish catalog


def _run(command: list, cwd: Path, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        return listener.getsockname()[1]


def _get(url: str, data: dict | None = None) -> tuple[int, str]:
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode()


def _wait_until_up(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"resdir serve exited:\n{log.read_text()}"
        try:
            if _get(url + "/api/v1/vocab")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"resdir serve did not start:\n{log.read_text()}")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """Build the wheel from the checkout and install it into a fresh virtualenv; return its bin/."""
    root = tmp_path_factory.mktemp("wheel")
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root), str(REPO)],
        cwd=root,
        env=os.environ.copy(),
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = root.glob("resdir-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in BUILT_FILES if name not in names]
    assert not missing, f"the wheel lacks {missing}: `make wheel` builds them first"
    assert "resdir/templates/public/search.html" in names
    venv.EnvBuilder(with_pip=True).create(root / "venv")
    bin_dir = root / "venv" / "bin"
    started = time.monotonic()
    install = _run(
        [str(bin_dir / "pip"), "install", "-q", str(wheel)],
        cwd=root,
        env=os.environ.copy(),
        timeout=INSTALL_SECONDS,
    )
    assert install.returncode == 0, install.stderr
    print(f"installed the wheel and its dependencies in {time.monotonic() - started:.0f} s")
    return bin_dir


@pytest.fixture
def outside(tmp_path) -> tuple[Path, dict]:
    """Return a working directory outside the checkout and an environment naming its store."""
    env = {**os.environ, "RESDIR_DATABASE": str(tmp_path / "resdir.sqlite3")}
    env.pop("PYTHONPATH", None)
    return tmp_path, env


def test_the_installed_wheel_serves_pages_static_files_and_matches(installed, outside):
    cwd, env = outside
    resdir = str(installed / "resdir")
    created = _run([resdir, "db", "upgrade"], cwd, env)
    assert created.returncode == 0, created.stderr
    ingested = _run([resdir, "ingest", str(SEED_MANIFEST)], cwd, env)
    assert ingested.returncode == 0, ingested.stderr
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = cwd / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [resdir, "serve", "--port", str(port)], cwd=cwd, env=env, stdout=out, stderr=out
        )
    try:
        _wait_until_up(server, url, log)
        status, page = _get(f"{url}/search?near=94110&needs=sober_social.meeting")
        assert status == 200 and MEETING in page
        status, spanish = _get(f"{url}/search?near=94110&needs=sober_social.meeting&lang=es")
        assert status == 200 and SPANISH_HEADING in spanish and MEETING in spanish
        for path in ("/static/css/site.css", "/static/vendor/leaflet/leaflet.js"):
            assert _get(url + path)[0] == 200, path
        status, body = _get(f"{url}/api/v1/match", MEETINGS_94110)
        assert status == 200 and json.loads(body)["results"][0]["name"] == MEETING
    finally:
        server.terminate()
        server.wait(timeout=15)
    assert "Traceback" not in log.read_text()


def test_without_the_elasticsearch_extra_choosing_elasticsearch_says_so_in_one_line(
    installed, outside
):
    cwd, env = outside
    started = _run(
        [str(installed / "resdir"), "init-db"], cwd, {**env, "RESDIR_SEARCH": "elasticsearch"}
    )
    assert started.returncode == 1
    assert started.stderr.splitlines() == [
        "Error: RESDIR_SEARCH=elasticsearch needs the Elasticsearch client: "
        "pip install 'resdir[elasticsearch]'"
    ]
    assert not (cwd / "resdir.sqlite3").exists()
