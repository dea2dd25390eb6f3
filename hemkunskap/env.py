"""Small typed readers for environment variables that fail loudly on bad values.

Settings are read once at start-up; a typo in production must stop the process with a message that
names the variable, not run with a silently wrong default.
"""

import os
from collections.abc import Iterable


class ConfigurationError(Exception):
    pass


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}; got {value}")
    return value


def env_list(name: str, default: Iterable[str] = ()) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, *, schemes: Iterable[str]) -> str:
    """An URL whose scheme must be one of `schemes`, or "" when unset."""
    value = env_str(name)
    if not value:
        return ""
    allowed = tuple(schemes)
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in allowed:
        # Name only the scheme that was given: a URL may carry a password, and this message ends up in logs.
        given = f"{scheme}://…" if scheme else "a value without a scheme"
        raise ConfigurationError(f"{name} must start with one of {', '.join(s + '://' for s in allowed)}; got {given}")
    return value
