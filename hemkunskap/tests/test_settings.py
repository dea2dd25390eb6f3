"""Settings come from the environment and fail loudly: a process started with a missing or mistyped value
must stop with a message that names the variable. Each start-up case runs in a fresh Python process with
an environment of its own, as a deployment would start one."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hemkunskap.env import ConfigurationError, env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
A_GOOD_SECRET_KEY = "x7#kP2m!vQ9w@Lr4zT8n&Yb6cF3hJ5sD0gA1eU-q2Wd9LmZ4rTy8Kp"
# Production's channels: a real SMTP server and SMS gateway (nothing is sent: the process only starts).
CHANNELS = {
    "EMAIL_URL": "submission://hemkunskap:secret@smtp.example.se:587",
    "SMS_BACKEND": "http",
    "SMS_HTTP_URL": "https://api.46elks.com/a1/sms",
    "SMS_HTTP_USER": "u",
    "SMS_HTTP_PASSWORD": "p",
}

SHOW_CONFIGURATION = """
import json
import django
django.setup()
from django.conf import settings
from hemkunskap.celery import app
database = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "database_engine": database["ENGINE"],
    "database_name": str(database["NAME"]),
    "broker_url": app.conf.broker_url,
    "broker_options": app.conf.broker_transport_options,
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": str(settings.CACHES["default"]["LOCATION"]),
}))
"""


def start(var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    """Start Django in a new process whose environment holds only `env` (and what Python needs)."""
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "hemkunskap.settings",
        "VAR_DIR": str(var_dir),
        "PYTHONDONTWRITEBYTECODE": "1",
        **env,
    }
    return subprocess.run(  # noqa: S603 (our interpreter and a fixed script)
        [sys.executable, "-c", SHOW_CONFIGURATION],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def configuration(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def error_message(result: subprocess.CompletedProcess) -> str:
    """The line an operator reads first: the exception at the bottom of the traceback."""
    assert result.returncode != 0, result.stdout
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("hemkunskap.env.ConfigurationError: "), result.stderr
    return last_line.removeprefix("hemkunskap.env.ConfigurationError: ")


def test_with_no_environment_it_runs_on_sqlite_and_the_filesystem_broker_under_var_dir(tmp_path):
    config = configuration(start(tmp_path))

    assert config["DEBUG"] is True
    assert config["database_engine"] == "django.db.backends.sqlite3"
    assert config["database_name"] == str(tmp_path / "hemkunskap.sqlite3")
    assert config["broker_url"] == "filesystem://"
    assert config["broker_options"]["data_folder_in"] == str(tmp_path / "celery" / "queue")
    assert (tmp_path / "celery" / "queue").is_dir()  # the worker would otherwise fail on its first message
    assert (tmp_path / "celery" / "control").is_dir()
    assert config["cache"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert config["cache_location"] == str(tmp_path / "cache")


def test_database_url_and_redis_url_switch_to_postgresql_and_redis(tmp_path):
    config = configuration(
        start(
            tmp_path,
            DATABASE_URL="postgres://hk:secret@db.internal:5432/hemkunskap",
            REDIS_URL="redis://cache.internal:6379/2",
        )
    )

    assert config["database_engine"] == "django.db.backends.postgresql"
    assert config["database_name"] == "hemkunskap"
    assert config["broker_url"] == "redis://cache.internal:6379/2"
    assert config["broker_options"]["socket_connect_timeout"] == 2
    assert config["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert config["cache_location"] == "redis://cache.internal:6379/2"
    assert not (tmp_path / "celery").exists()


def test_with_debug_off_it_starts_when_secret_key_and_allowed_hosts_are_set(tmp_path):
    config = configuration(
        start(
            tmp_path,
            DEBUG="0",
            SECRET_KEY=A_GOOD_SECRET_KEY,
            ALLOWED_HOSTS="hemkunskap.example.se, intern.example.se",
            **CHANNELS,
        )
    )

    assert config["DEBUG"] is False
    assert config["ALLOWED_HOSTS"] == ["hemkunskap.example.se", "intern.example.se"]
    assert config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("env", "named"),
    [
        pytest.param({"DEBUG": "0", "ALLOWED_HOSTS": "example.se"}, "SECRET_KEY", id="debug-off-without-secret-key"),
        pytest.param(
            {"DEBUG": "0", "SECRET_KEY": "short", "ALLOWED_HOSTS": "example.se"},
            "SECRET_KEY",
            id="guessable-secret-key",
        ),
        pytest.param({"DEBUG": "0", "SECRET_KEY": A_GOOD_SECRET_KEY}, "ALLOWED_HOSTS", id="debug-off-without-hosts"),
        pytest.param(
            {"DEBUG": "0", "SECRET_KEY": "x" * 32 + "abcd", "ALLOWED_HOSTS": "example.se", **CHANNELS},
            "SECRET_KEY",
            id="secret-key-shorter-than-djangos-deploy-check-wants",
        ),
        pytest.param(
            {"DEBUG": "0", "SECRET_KEY": A_GOOD_SECRET_KEY, "ALLOWED_HOSTS": "example.se", "SMS_BACKEND": "file"},
            "EMAIL_URL",
            id="debug-off-would-print-e-mails",
        ),
        pytest.param(
            {"DEBUG": "0", "SECRET_KEY": A_GOOD_SECRET_KEY, "ALLOWED_HOSTS": "example.se", **CHANNELS}
            | {"SMS_BACKEND": "console"},
            "SMS_BACKEND",
            id="debug-off-would-print-sms",
        ),
        pytest.param(
            {
                "DEBUG": "0",
                "SECRET_KEY": A_GOOD_SECRET_KEY,
                "ALLOWED_HOSTS": "example.se",
                "EMAIL_URL": CHANNELS["EMAIL_URL"],
            },
            "SMS_BACKEND",
            id="debug-off-without-an-sms-channel",
        ),
        pytest.param({"DEBUG": "maybe"}, "DEBUG", id="debug-not-a-boolean"),
        pytest.param({"DATABASE_URL": "mysql://x"}, "DATABASE_URL", id="database-not-postgresql-or-sqlite"),
        pytest.param({"REDIS_URL": "localhost:6379"}, "REDIS_URL", id="redis-url-without-scheme"),
        pytest.param({"VISIT_WINDOW_END_DAYS": "abc"}, "VISIT_WINDOW_END_DAYS", id="window-not-a-number"),
        pytest.param(
            {"VISIT_WINDOW_START_DAYS": "10", "VISIT_WINDOW_END_DAYS": "5"},
            "VISIT_WINDOW_END_DAYS",
            id="window-reversed",
        ),
        pytest.param({"WORKER_HEARTBEAT_MAX_AGE_SECONDS": "1"}, "WORKER_HEARTBEAT_MAX_AGE_SECONDS", id="below-minimum"),
    ],
)
def test_it_refuses_to_start_and_names_the_variable(tmp_path, env, named):
    message = error_message(start(tmp_path, **env))

    assert message.startswith(named) or f" {named} " in message, message


# --- The helpers in hemkunskap/env.py ------------------------------------------------------------------


def test_env_str_strips_and_falls_back_to_the_default(monkeypatch):
    monkeypatch.setenv("HK_TEST_VALUE", "  hej  ")
    monkeypatch.delenv("HK_TEST_MISSING", raising=False)

    assert env_str("HK_TEST_VALUE") == "hej"
    assert env_str("HK_TEST_MISSING", "standard") == "standard"


@pytest.mark.parametrize("raw", ["1", "true", "True", "YES", " on "])
def test_env_bool_reads_true(monkeypatch, raw):
    monkeypatch.setenv("HK_TEST_FLAG", raw)

    assert env_bool("HK_TEST_FLAG", False) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "OFF"])
def test_env_bool_reads_false(monkeypatch, raw):
    monkeypatch.setenv("HK_TEST_FLAG", raw)

    assert env_bool("HK_TEST_FLAG", True) is False


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_env_bool_unset_or_blank_is_the_default(monkeypatch, raw):
    if raw is None:
        monkeypatch.delenv("HK_TEST_FLAG", raising=False)
    else:
        monkeypatch.setenv("HK_TEST_FLAG", raw)

    assert env_bool("HK_TEST_FLAG", True) is True
    assert env_bool("HK_TEST_FLAG", False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "ja", "enabled"])
def test_env_bool_rejects_anything_else_and_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv("HK_TEST_FLAG", raw)

    with pytest.raises(ConfigurationError, match=r"^HK_TEST_FLAG must be one of"):
        env_bool("HK_TEST_FLAG", False)


def test_env_int_reads_a_whole_number_or_the_default(monkeypatch):
    monkeypatch.setenv("HK_TEST_NUMBER", " 42 ")
    monkeypatch.setenv("HK_TEST_BLANK", "")
    monkeypatch.delenv("HK_TEST_MISSING", raising=False)

    assert env_int("HK_TEST_NUMBER", 7) == 42
    assert env_int("HK_TEST_BLANK", 7) == 7
    assert env_int("HK_TEST_MISSING", 7) == 7


@pytest.mark.parametrize("raw", ["abc", "1.5", "10 days"])
def test_env_int_rejects_what_is_not_a_whole_number(monkeypatch, raw):
    monkeypatch.setenv("HK_TEST_NUMBER", raw)

    with pytest.raises(ConfigurationError, match=r"^HK_TEST_NUMBER must be a whole number"):
        env_int("HK_TEST_NUMBER", 7)


def test_env_int_enforces_the_minimum(monkeypatch):
    monkeypatch.setenv("HK_TEST_NUMBER", "9")

    assert env_int("HK_TEST_NUMBER", 30, minimum=9) == 9
    with pytest.raises(ConfigurationError, match=r"^HK_TEST_NUMBER must be at least 10; got 9$"):
        env_int("HK_TEST_NUMBER", 30, minimum=10)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("HK_TEST_LIST", " a.example.se, ,b.example.se ,")
    monkeypatch.delenv("HK_TEST_MISSING", raising=False)

    assert env_list("HK_TEST_LIST") == ["a.example.se", "b.example.se"]
    assert env_list("HK_TEST_MISSING", ("localhost",)) == ["localhost"]


def test_env_url_accepts_the_allowed_schemes_and_is_empty_when_unset(monkeypatch):
    monkeypatch.setenv("HK_TEST_URL", "rediss://cache.example.se:6380/0")
    monkeypatch.delenv("HK_TEST_MISSING", raising=False)

    assert env_url("HK_TEST_URL", schemes=("redis", "rediss")) == "rediss://cache.example.se:6380/0"
    assert env_url("HK_TEST_MISSING", schemes=("redis",)) == ""


@pytest.mark.parametrize("raw", ["http://cache.example.se", "cache.example.se:6379", "REDIS://cache"])
def test_env_url_rejects_other_schemes_and_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv("HK_TEST_URL", raw)

    with pytest.raises(ConfigurationError, match=r"^HK_TEST_URL must start with one of redis://, rediss://"):
        env_url("HK_TEST_URL", schemes=("redis", "rediss"))


def test_env_url_does_not_repeat_a_password_in_its_error(monkeypatch):
    monkeypatch.setenv("HK_TEST_URL", "mysql://hemkunskap:hunter2-secret@db.example.se/hemkunskap")

    with pytest.raises(ConfigurationError) as error:
        env_url("HK_TEST_URL", schemes=("postgres",))

    assert "hunter2-secret" not in str(error.value)
