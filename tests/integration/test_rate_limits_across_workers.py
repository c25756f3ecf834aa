"""Rate limits hold across gunicorn workers: the production command, several workers, one count in Redis.

Each worker is its own process; with memory:// each would keep its own count, and 4 workers let 4 times the
documented limit through. These tests start the real server (`gunicorn -c gunicorn.conf.py`) on 127.0.0.1
against the test database and Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379/3). Without Redis they
are skipped on a developer's machine and fail in CI (CI=true), where Redis is always running.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
WORKERS = 4


@pytest.fixture
def redis_prefix():
    """A key prefix of this run's own in the shared Redis; its keys are removed afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        message = f"Redis is not running at {REDIS_URL}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": CI starts it, so this is a broken set-up, not a reason to skip")
        pytest.skip(message)
    prefix = f"matchmaker-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(app, tmp_path, port: int, **settings: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "MATCHMAKER_ENV": "production",
        "SECRET_KEY": "rate-limit-test-key",
        "MATCHMAKER_BASE_URL": f"http://127.0.0.1:{port}",
        "MATCHMAKER_SECURE_COOKIES": "false",  # plain HTTP on loopback
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "MATCHMAKER_OUTBOX_DIR": str(tmp_path / "outbox"),
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        **settings,
    }


def _gunicorn(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with log_path.open("w") as log:
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )


def _wait_until_ready(server: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn stopped while starting"
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer within 60 s")


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=40)  # gunicorn's graceful_timeout is 30 s
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)
        raise


def _fire(base: str, path: str, forms: list[dict[str, str]]) -> list[int | str]:
    """POST each form at once from 8 threads, as one client (one address, one session and CSRF token)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}{path}", timeout=10) as page:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode())[1]

    def post(form: dict[str, str]) -> int:
        body = urllib.parse.urlencode({**form, "csrf_token": token}).encode()
        try:
            with opener.open(f"{base}{path}", data=body, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as refused:
            return refused.code
        except OSError as failed:  # no answer at all: shown in the assertion, not hidden by the shutdown
            return repr(failed)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(post, forms))


def test_the_sign_in_and_reset_limits_hold_across_four_workers_sharing_redis(app, tmp_path, redis_prefix):
    """The documented 5 a minute per address holds in total, however the requests fall across the workers."""
    port = _free_port()
    env = _environment(
        app,
        tmp_path,
        port,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        MATCHMAKER_RATELIMIT_KEY_PREFIX=redis_prefix,
        MATCHMAKER_CACHE_URL=REDIS_URL,
    )
    server = _gunicorn(env, tmp_path / "gunicorn.log")
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(server, base)
        # Unknown addresses, a different one each time, so only the rate limit (not a lock) can refuse them.
        sign_ins = _fire(
            base, "/sign-in", [{"email": f"guess{n}@example.org", "password": "a guess"} for n in range(40)]
        )
        resets = _fire(base, "/forgot-password", [{"email": f"guess{n}@example.org"} for n in range(30)])
    finally:
        _stop(server)
    print(f"\n{WORKERS} workers, Redis: sign-ins {sign_ins.count(200)} of 40 checked, resets {resets.count(200)} of 30")
    assert sorted(sign_ins) == [200] * 5 + [429] * 35
    assert sorted(resets) == [200] * 5 + [429] * 25
    log = (tmp_path / "gunicorn.log").read_text()
    assert log.count("Booting worker") == WORKERS and "Traceback" not in log


def test_production_refuses_to_start_several_workers_on_per_process_limits(app, tmp_path):
    port = _free_port()
    env = _environment(app, tmp_path, port, RATELIMIT_STORAGE_URI="memory://", WEB_CONCURRENCY="3")
    server = _gunicorn(env, tmp_path / "gunicorn.log")
    assert server.wait(timeout=60) == 1
    log = (tmp_path / "gunicorn.log").read_text()
    assert "Error: 3 workers share no state: RATELIMIT_STORAGE_URI is memory://" in log
    assert "MATCHMAKER_CACHE_URL is empty" in log
    assert "Booting worker" not in log
