import pytest

from matchmaker.config import ConfigError, build_config, normalise_database_url


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in (
        "DATABASE_URL",
        "SECRET_KEY",
        "SMTP_HOST",
        "MATCHMAKER_ENV",
        "MATCHMAKER_EMAIL_BACKEND",
        "SMTP_PORT",
        "SMTP_STARTTLS",
        "MATCHMAKER_SECURE_COOKIES",
        "MATCHMAKER_BASE_URL",
        "RATELIMIT_STORAGE_URI",
        "MATCHMAKER_CACHE_URL",
        "MATCHMAKER_IMPACT_CACHE_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)


def test_development_defaults_need_no_configuration(tmp_path):
    config = build_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'matchmaker.db'}"
    assert config["EMAIL_BACKEND"] == "outbox"
    assert config["EMAIL_OUTBOX_DIR"] == str(tmp_path / "outbox")
    assert config["SESSION_COOKIE_SECURE"] is False


def test_development_secret_key_is_generated_once_and_kept(tmp_path):
    first = build_config(str(tmp_path))["SECRET_KEY"]
    assert len(first) >= 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only
    assert build_config(str(tmp_path))["SECRET_KEY"] == first


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_ENV", "production")
    monkeypatch.setenv("MATCHMAKER_BASE_URL", "https://matchmaker.brent.gov.uk")
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        build_config(str(tmp_path))
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_to_start_without_its_public_address(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    with pytest.raises(ConfigError, match="MATCHMAKER_BASE_URL must be set"):
        build_config(str(tmp_path))


def test_production_uses_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_ENV", "production")
    monkeypatch.setenv("MATCHMAKER_BASE_URL", "https://matchmaker.brent.gov.uk")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    config = build_config(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_smtp_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("SMTP_PORT", "2525")
    monkeypatch.setenv("SMTP_STARTTLS", "false")
    config = build_config(str(tmp_path))
    assert (config["EMAIL_BACKEND"], config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_STARTTLS"]) == (
        "smtp",
        "mail.example.org",
        2525,
        False,
    )


def test_unknown_environment_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_ENV", "staging-ish")
    with pytest.raises(ConfigError, match="MATCHMAKER_ENV"):
        build_config(str(tmp_path))


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://postgres@127.0.0.1:5432/test", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        ("postgres://u:p@db/matchmaker", "postgresql+psycopg://u:p@db/matchmaker"),
        ("postgresql+psycopg://u@db/m", "postgresql+psycopg://u@db/m"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_use_the_psycopg_driver(given, used):
    assert normalise_database_url(given) == used


def test_per_process_state_is_named_so_several_workers_can_refuse_it(tmp_path, monkeypatch):
    from matchmaker.config import per_process_state

    assert len(per_process_state(build_config(str(tmp_path)))) == 2  # the development defaults: one process
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("MATCHMAKER_CACHE_URL", "redis://127.0.0.1:6379/1")
    config = build_config(str(tmp_path))
    assert per_process_state(config) == []
    assert config["CACHE_TYPE"] == "RedisCache" and config["CACHE_REDIS_URL"] == "redis://127.0.0.1:6379/1"
    monkeypatch.setenv("MATCHMAKER_CACHE_URL", "")
    monkeypatch.setenv("MATCHMAKER_IMPACT_CACHE_SECONDS", "0")  # no cache at all: nothing to share
    assert per_process_state(build_config(str(tmp_path))) == []


def test_an_unknown_cache_address_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_CACHE_URL", "memcached://127.0.0.1")
    with pytest.raises(ConfigError, match="MATCHMAKER_CACHE_URL must be a redis:// address or empty"):
        build_config(str(tmp_path))


def test_development_links_follow_the_address_the_app_is_reached_on(tmp_path, monkeypatch):
    assert build_config(str(tmp_path))["BASE_URL_FROM_REQUEST"] is True
    monkeypatch.setenv("MATCHMAKER_BASE_URL", "http://127.0.0.1:5160")
    config = build_config(str(tmp_path))
    assert (config["BASE_URL_FROM_REQUEST"], config["BASE_URL"]) == (False, "http://127.0.0.1:5160")
    monkeypatch.setenv("MATCHMAKER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    assert build_config(str(tmp_path))["BASE_URL_FROM_REQUEST"] is False
