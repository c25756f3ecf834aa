"""Configuration: typed defaults, then the environment, then the test dict.

Secrets are required only in production. In development a SECRET_KEY is generated once and kept in the
instance folder, so sessions survive restarts without anyone having to invent a key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("development", "production", "testing")


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says which setting to fix."""


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_seconds(name: str, default: str) -> tuple[float, ...]:
    """A comma-separated list of seconds, such as "1,4"."""
    return tuple(float(part) for part in os.environ.get(name, default).split(",") if part.strip())


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs written the usual ways."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _development_secret_key(instance_path: Path) -> str:
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _cache_settings(url: str) -> dict[str, Any]:
    """Flask-Caching settings from MATCHMAKER_CACHE_URL: redis://host:6379/1 (shared by every worker and server),
    or empty for a cache in each process (enough for one process: development, tests, a single worker)."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url, "CACHE_KEY_PREFIX": "matchmaker:cache:"}
    if url not in ("", "simple"):
        raise ConfigError(f"MATCHMAKER_CACHE_URL must be a redis:// address or empty, not {url!r}")
    return {"CACHE_TYPE": "SimpleCache", "CACHE_KEY_PREFIX": "matchmaker:cache:"}


def per_process_state(config: dict[str, Any]) -> list[str]:
    """Settings that keep state in each process, which several workers would each keep apart."""
    found = []
    if config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        found.append("RATELIMIT_STORAGE_URI is memory:// (each worker would count sign-in attempts on its own)")
    if config["CACHE_TYPE"] == "SimpleCache" and config["IMPACT_CACHE_SECONDS"] > 0:
        found.append("MATCHMAKER_CACHE_URL is empty (a change to the figures would not clear other workers' copies)")
    return found


def build_config(instance_path: str, test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the settings for one app. Raises ConfigError when production lacks a secret."""
    instance = Path(instance_path)
    environment = (test_config or {}).get("ENV") or os.environ.get("MATCHMAKER_ENV", "development")
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"MATCHMAKER_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}")
    production = environment == "production"

    smtp_host = os.environ.get("SMTP_HOST", "")
    config: dict[str, Any] = {
        "ENV": environment,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'matchmaker.db'}"
        ),
        "SECRET_KEY": os.environ.get("SECRET_KEY", ""),
        "SMTP_HOST": smtp_host,
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "587")),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _env_bool("SMTP_STARTTLS", True),
        "SMTP_TIMEOUT": float(os.environ.get("SMTP_TIMEOUT", "20")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Brent Matchmaker <matchmaker@localhost>"),
        # With no SMTP server configured, messages are written to files an operator can read.
        "EMAIL_BACKEND": os.environ.get("MATCHMAKER_EMAIL_BACKEND") or ("smtp" if smtp_host else "outbox"),
        "EMAIL_OUTBOX_DIR": os.environ.get("MATCHMAKER_OUTBOX_DIR", str(instance / "outbox")),
        # Links in emails are built on this address, never on the request's Host header (which a client controls).
        "BASE_URL": os.environ.get("MATCHMAKER_BASE_URL", "http://localhost:5000"),
        # Development without MATCHMAKER_BASE_URL: links follow the address the browser used (any port), since on
        # a developer's machine the Host header is their own. Never in production, which requires BASE_URL.
        "BASE_URL_FROM_REQUEST": environment == "development" and not os.environ.get("MATCHMAKER_BASE_URL"),
        "COUNCIL_NAME": os.environ.get("MATCHMAKER_COUNCIL_NAME", "Brent Council"),
        "SUPPORT_EMAIL": os.environ.get("MATCHMAKER_SUPPORT_EMAIL", "socialvalue@brent.gov.uk"),
        # memory:// counts per process: with several gunicorn workers each keeps its own count, so production
        # with several workers refuses to start on it (gunicorn.conf.py); redis://host:6379/0 shares one count.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("MATCHMAKER_RATELIMIT_KEY_PREFIX", "matchmaker"),
        # If Redis stops answering, count in each process meanwhile rather than refuse every sign-in with a 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("MATCHMAKER_LOGIN_RATE_LIMIT", "5 per minute;30 per hour"),
        # Per client address, on the public pages that compute the impact figures or build the report PDF.
        "REPORT_RATE_LIMIT": os.environ.get("MATCHMAKER_REPORT_RATE_LIMIT", "30 per minute"),
        **_cache_settings(os.environ.get("MATCHMAKER_CACHE_URL", "")),
        # How long the impact figures and the annual report PDF are kept at most; any change to the figures
        # clears them sooner (web/impact/cache.py). 0 turns the cache off, as in tests unless a test turns it on.
        "IMPACT_CACHE_SECONDS": int(
            os.environ.get("MATCHMAKER_IMPACT_CACHE_SECONDS", "0" if environment == "testing" else "3600")
        ),
        "API_RATE_LIMIT": os.environ.get("MATCHMAKER_API_RATE_LIMIT", "120 per minute"),
        # Per account, on top of the per-IP limit: this many wrong passwords in a row lock it for this long.
        "LOCKOUT_THRESHOLD": int(os.environ.get("MATCHMAKER_LOCKOUT_THRESHOLD", "10")),
        "LOCKOUT_MINUTES": int(os.environ.get("MATCHMAKER_LOCKOUT_MINUTES", "30")),
        "PASSWORD_HASH_METHOD": "scrypt",
        "PASSWORD_RESET_MAX_AGE": 3600,
        "INVITATION_MAX_AGE": 7 * 86400,
        "PROXY_FIX_X_FOR": int(os.environ.get("MATCHMAKER_PROXY_FIX_X_FOR", "0")),
        # Each gunicorn worker has its own pool (the app never connects before the fork). pre_ping replaces a
        # connection PostgreSQL or a proxy has closed; recycle stays under common idle timeouts.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_recycle": 1800},
        "DB_POOL_SIZE": int(os.environ.get("MATCHMAKER_DB_POOL_SIZE", "5")),
        "DB_MAX_OVERFLOW": int(os.environ.get("MATCHMAKER_DB_MAX_OVERFLOW", "5")),
        "LOG_LEVEL": os.environ.get("MATCHMAKER_LOG_LEVEL", "WARNING" if environment == "testing" else "INFO").upper(),
        "LOG_FORMAT": os.environ.get("MATCHMAKER_LOG_FORMAT", "json" if production else "text"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("MATCHMAKER_SECURE_COOKIES", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _env_bool("MATCHMAKER_SECURE_COOKIES", production),
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": 4 * 3600,
        # CSV imports: larger files are refused before they are read. MAX_CONTENT_LENGTH (any request's body)
        # is set from it below, a megabyte above, so the import page can say what is wrong itself.
        "MAX_IMPORT_BYTES": int(os.environ.get("MATCHMAKER_MAX_IMPORT_BYTES", str(10 * 1024 * 1024))),
        "PAGE_SIZE": 25,
        "MAX_LIVE_NEEDS": int(os.environ.get("MATCHMAKER_MAX_LIVE_NEEDS", "5")),
        # Working days each party has to respond to an introduction before officers are alerted.
        "RESPONSE_WORKING_DAYS": int(os.environ.get("MATCHMAKER_RESPONSE_WORKING_DAYS", "10")),
        # Weights `matchmaker tune` saved; empty means instance/weights.json.
        "MATCHING_WEIGHTS_FILE": os.environ.get("MATCHMAKER_MATCHING_WEIGHTS_FILE", ""),
        # Digests claimed in one commit, then sent, then recorded in the next commit.
        "DIGEST_BATCH_SIZE": int(os.environ.get("MATCHMAKER_DIGEST_BATCH_SIZE", "50")),
        # Seconds before the 2nd, 3rd... tries of a digest the mail server refused for now.
        "DIGEST_RETRY_DELAYS": _env_seconds("MATCHMAKER_DIGEST_RETRY_DELAYS", "1,4"),
    }
    if test_config:
        config.update(test_config)
        if "SQLALCHEMY_DATABASE_URI" in test_config:
            config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(test_config["SQLALCHEMY_DATABASE_URI"])

    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_size": config["DB_POOL_SIZE"],
            "max_overflow": config["DB_MAX_OVERFLOW"],
            **config["SQLALCHEMY_ENGINE_OPTIONS"],
        }
    if config["LOG_FORMAT"] not in ("json", "text"):
        raise ConfigError(f"MATCHMAKER_LOG_FORMAT must be json or text, not {config['LOG_FORMAT']!r}")
    if config["LOG_LEVEL"] not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(f"MATCHMAKER_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {config['LOG_LEVEL']!r}")

    config.setdefault("MAX_CONTENT_LENGTH", config["MAX_IMPORT_BYTES"] + 1024 * 1024)

    if production and not os.environ.get("MATCHMAKER_BASE_URL") and not (test_config or {}).get("BASE_URL"):
        raise ConfigError(
            "MATCHMAKER_BASE_URL must be set in production (the service's public address, "
            "used in links in emails), for example https://matchmaker.brent.gov.uk"
        )
    if not config["SECRET_KEY"]:
        if production:
            raise ConfigError("SECRET_KEY must be set in production (a long random string, kept secret).")
        config["SECRET_KEY"] = _development_secret_key(instance)
    return config
