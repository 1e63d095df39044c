"""Run resdir under a real gunicorn on a free loopback port, for tests of what several worker
processes do at once (writers racing, a hung search engine)."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"
WORKER_TIMEOUT_SECONDS = 30  # gunicorn's default, which every answer must come well inside
START_SECONDS = 60


class Gunicorn:
    """`with Gunicorn(settings, log) as server:` serves the app on `server.url` with
    `workers` processes of `threads` threads; `settings` are RESDIR_* values (without the
    prefix) on top of the tests' environment (its clock included)."""

    def __init__(
        self,
        settings: dict,
        log: Path,
        workers: int = 3,
        threads: int = 2,
        access_log: Path | None = None,
    ):
        self.settings, self.log, self.workers, self.threads = settings, log, workers, threads
        self.access_log = access_log  # one line per request: the pid of the worker, nothing more
        listener = socket.create_server(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]
        listener.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        env = {**os.environ, **{f"RESDIR_{k}": str(v) for k, v in self.settings.items()}}
        command = [
            str(GUNICORN),
            "resdir:create_app()",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={self.workers}",
            f"--threads={self.threads}",
            f"--timeout={WORKER_TIMEOUT_SECONDS}",
        ]
        if self.access_log:
            command += [f"--access-logfile={self.access_log}", "--access-logformat=%(p)s"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=out)
        self._wait_until_up()
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.log.read_text()}"
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                connection.request("GET", "/api/v1/vocab")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
            finally:
                connection.close()
        raise AssertionError(f"gunicorn did not start:\n{self.log.read_text()}")

    def worker_errors(self) -> list[str]:
        """Return the lines of the server's log that tell of a bug or a killed worker."""
        markers = ("Traceback", "WORKER TIMEOUT", "API bug", "Exception on ")
        return [
            line for line in self.log.read_text().splitlines() if any(m in line for m in markers)
        ]
