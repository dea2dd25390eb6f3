"""`manage.py check --deploy` passes with production settings: HTTPS only, secure cookies, HSTS, no framing,
the lockout's backend and middleware in place. Run in a fresh process with a production environment, as a
deployment starts one (see test_settings.py)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def check_deploy(var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "hemkunskap.settings",
        "PYTHONDONTWRITEBYTECODE": "1",
        "VAR_DIR": str(var_dir),
        # Production as README.md describes it; no DATABASE_URL or REDIS_URL: the check needs no server.
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "hemkunskap.example.se",
        "CSRF_TRUSTED_ORIGINS": "https://hemkunskap.example.se",
        "EMAIL_URL": "submission://hemkunskap:secret@smtp.example.se:587",
        "SMS_BACKEND": "http",
        "SMS_HTTP_URL": "https://api.46elks.com/a1/sms",
        "SMS_HTTP_USER": "u",
        "SMS_HTTP_PASSWORD": "p",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deploy_check_passes_with_production_settings(tmp_path):
    result = check_deploy(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_fails_when_production_turns_off_https(tmp_path):
    # The check has teeth: the same environment without the HTTPS redirect is refused.
    result = check_deploy(tmp_path, SECURE_SSL_REDIRECT="0")

    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout
