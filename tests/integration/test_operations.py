"""Health checks and structured, request-scoped logs, as an operator or a load balancer meets them."""

import io
import json
import logging

from matchmaker import create_app
from matchmaker.web.access import public


def test_healthz_answers_without_the_database_and_is_never_cached(app, tmp_path):
    broken = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_says_ready_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_answers_503_when_the_database_is_unreachable(app, tmp_path):
    broken = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite"})
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert response.headers["Cache-Control"] == "no-store"
    with broken.app_context():
        from matchmaker.extensions import db

        db.engine.dispose()


def _app_logging_to(app, buffer):
    logged = create_app({**app.config, "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"})
    handler = next(h for h in logging.getLogger("matchmaker").handlers if getattr(h, "_matchmaker", False))
    handler.setStream(buffer)
    return logged


def _lines(buffer) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_sane_incoming_request_id_is_echoed_and_logged(app):
    buffer = io.StringIO()
    logged = _app_logging_to(app, buffer)
    response = logged.test_client().get("/healthz", headers={"X-Request-ID": "nginx-7f3a9c21"})
    assert response.headers["X-Request-ID"] == "nginx-7f3a9c21"
    [line] = _lines(buffer)
    assert line["request_id"] == "nginx-7f3a9c21"
    assert (line["method"], line["path"], line["status"], line["level"]) == ("GET", "/healthz", 200, "info")
    assert line["duration_ms"] >= 0


def test_a_forged_request_id_is_replaced_with_a_fresh_one(app):
    buffer = io.StringIO()
    logged = _app_logging_to(app, buffer)
    client = logged.test_client()
    first = client.get("/healthz", headers={"X-Request-ID": 'x" level="fake" ' + "a" * 80}).headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert len(first) == 32 and first.isalnum() and first != second
    assert [line["request_id"] for line in _lines(buffer)] == [first, second]


def test_an_unexpected_error_is_logged_with_the_request_id_and_the_traceback(app):
    buffer = io.StringIO()
    logged = _app_logging_to(app, buffer)

    @public
    def explode():
        raise RuntimeError("boom")

    logged.add_url_rule("/explode", "explode", explode)
    response = logged.test_client().get("/explode", headers={"X-Request-ID": "trace-12345678"})
    assert response.status_code == 500 and response.headers["X-Request-ID"] == "trace-12345678"
    error, summary = _lines(buffer)
    assert error["level"] == "error" and error["request_id"] == "trace-12345678"
    assert "RuntimeError: boom" in error["exception"]
    assert summary["status"] == 500 and summary["request_id"] == "trace-12345678"


def test_the_log_level_is_configurable(app):
    buffer = io.StringIO()
    quiet = create_app({**app.config, "LOG_FORMAT": "json", "LOG_LEVEL": "WARNING"})
    handler = next(h for h in logging.getLogger("matchmaker").handlers if getattr(h, "_matchmaker", False))
    handler.setStream(buffer)
    quiet.test_client().get("/healthz")
    assert buffer.getvalue() == ""


def test_postgresql_gets_a_bounded_pool_per_worker():
    from matchmaker.config import build_config

    config = build_config(
        "/tmp",
        {"ENV": "testing", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "postgresql://u@h/db", "DB_POOL_SIZE": 3},
    )
    options = config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True and options["pool_size"] == 3 and options["pool_recycle"] == 1800


def test_gunicorn_serves_the_app_with_several_workers_from_the_shipped_config(app, tmp_path):
    """The production command, `gunicorn -c gunicorn.conf.py`, boots (preloaded, two workers here) and answers."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": "/usr/bin:/bin",
        "MATCHMAKER_ENV": "development",
        "SECRET_KEY": "gunicorn-test-key",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "WEB_CONCURRENCY": "2",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "MATCHMAKER_LOG_FORMAT": "json",
    }
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
        cwd=root,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        answers = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(answers) < 6:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
                    answers.append((response.status, response.headers["X-Request-ID"]))
            except OSError:
                time.sleep(0.3)
        assert len(answers) == 6 and {status for status, _ in answers} == {200}
        assert len({request_id for _, request_id in answers}) == 6
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/needs", timeout=10) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    booted = (tmp_path / "gunicorn.log").read_text()
    assert booted.count("Booting worker") == 2 and "Traceback" not in booted
