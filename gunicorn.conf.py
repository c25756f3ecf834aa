"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py` (every value can be overridden from the environment).

Several synchronous workers, each with its own small database pool: the app connects to the database only
when a request needs it, never at import or before the fork, so workers never share a connection.
Workers x (pool size + overflow) must stay under PostgreSQL's max_connections (default 100) across all app
servers: 4 workers x (5 + 5) = 40 per server.
"""

import multiprocessing
import os

wsgi_app = "matchmaker:create_app()"
# Load the app once in the master, then fork: workers start warm and share memory. Safe because create_app never
# connects to the database; post_fork drops any pool a worker might have inherited all the same.
preload_app = True
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Requests mostly wait on PostgreSQL, so a little over the core count; gunicorn's own WEB_CONCURRENCY also works.
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(multiprocessing.cpu_count() * 2, 8))))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))  # a CSV import of 10 MB stays well under this
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak can never take a server down; jitter keeps them from restarting together.
max_requests = 2000
max_requests_jitter = 200
# Only the reverse proxy on this host may say which client and scheme a request came from.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app writes one structured line per request itself (with its request id), so no separate access log.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("MATCHMAKER_LOG_LEVEL", "info").lower()


def on_starting(server):
    """Refuse to start production with several workers on per-process state: limits would not hold across them."""
    from matchmaker.config import per_process_state

    app = server.app.callable or server.app.wsgi()
    problems = per_process_state(app.config)
    if app.config["ENV"] == "production" and server.cfg.workers > 1 and problems:
        raise RuntimeError(
            f"{server.cfg.workers} workers share no state: "
            + "; ".join(problems)
            + ". Set RATELIMIT_STORAGE_URI and MATCHMAKER_CACHE_URL to redis://HOST:6379/N (see docs/security.md), "
            "or run one worker (WEB_CONCURRENCY=1)."
        )


def post_fork(server, worker):
    from matchmaker.extensions import db

    app = server.app.callable
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)  # never close the parent's connections from a child
