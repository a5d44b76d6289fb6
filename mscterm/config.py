"""Settings, built once per process: flags > environment > config.toml > defaults.

One frozen dataclass is passed down to the Library, the client and the UI, so nothing else reads
the environment. The API key lives here and nowhere else; ``repr`` hides it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
APP_NAME = "mscterm"


class ConfigError(ValueError):
    """The config file or a setting cannot be used; the message names which and why."""


def _user_dir(kind: str) -> Path:
    import platformdirs

    getter = {
        "cache": platformdirs.user_cache_dir,
        "config": platformdirs.user_config_dir,
        "state": platformdirs.user_state_dir,
    }[kind]
    return Path(getter(APP_NAME, appauthor=False))


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run of mscterm is configured by."""

    cache_dir: Path
    state_dir: Path
    eutils_url: str = DEFAULT_EUTILS_URL
    api_key: str | None = field(default=None, repr=False)
    email: str | None = None
    offline: bool = False
    config_path: Path | None = None
    citekey_template: str = "{author}{year}{word}"
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def requests_per_second(self) -> int:
        """NCBI's limit: 3 requests/s per machine, 10/s with an API key."""
        return 10 if self.api_key else 3


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def load_settings(
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    eutils_url: str | None = None,
    offline: bool | None = None,
    config: str | os.PathLike[str] | None = None,
    env: dict[str, str] | None = None,
) -> Settings:
    """Build :class:`Settings` from flags (arguments), environment, config file and defaults.

    Raises :class:`ConfigError` with a one-line reason when the config file is unreadable.
    """
    env = dict(os.environ) if env is None else env
    config_path = Path(config or env.get("MSCTERM_CONFIG") or _user_dir("config") / "config.toml")
    file_values: dict[str, Any] = {}
    if config_path.exists():
        try:
            file_values = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {config_path}: {exc}") from None
    elif config is not None:
        raise ConfigError(f"config file not found: {config_path}")

    def pick(flag: Any, env_name: str, file_key: str, default: Any) -> Any:
        if flag is not None:
            return flag
        if env.get(env_name):
            return env[env_name]
        return file_values.get(file_key, default)

    cache = Path(pick(cache_dir, "MSCTERM_CACHE_DIR", "cache_dir", None) or _user_dir("cache"))
    # Marks and pinned citation keys are the user's, not the cache's: they stay in the user
    # state dir whichever cache is used (MSCTERM_STATE_DIR moves them, e.g. for tests).
    state = Path(env.get("MSCTERM_STATE_DIR") or file_values.get("state_dir") or _user_dir("state"))
    url = str(pick(eutils_url, "MSCTERM_EUTILS_URL", "eutils_url", DEFAULT_EUTILS_URL))
    if not url.endswith("/"):
        url += "/"
    if offline is None:
        offline = _truthy(env.get("MSCTERM_OFFLINE")) or bool(file_values.get("offline", False))
    template = str(file_values.get("citekey_template", "{author}{year}{word}"))
    return Settings(
        cache_dir=cache.expanduser(),
        state_dir=state.expanduser(),
        eutils_url=url,
        api_key=env.get("NCBI_API_KEY") or None,
        email=env.get("NCBI_EMAIL") or file_values.get("email") or None,
        offline=bool(offline),
        config_path=config_path,
        citekey_template=template,
        extra={k: v for k, v in file_values.items() if k not in _KNOWN_FILE_KEYS},
    )


_KNOWN_FILE_KEYS = frozenset(
    {"cache_dir", "state_dir", "eutils_url", "offline", "email", "citekey_template"}
)
