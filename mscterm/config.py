"""Settings, built once per process: flags > environment > config.toml > defaults.

One frozen dataclass is passed down to the Library, the clients and the UI, so nothing else reads
the environment. The API key lives here and nowhere else; ``repr`` hides it. Every value is
checked here, once: a setting of the wrong type or a URL that cannot be requested is a
:class:`ConfigError` with one plain line (exit code 2), never a traceback later on.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
DEFAULT_CTGOV_URL = "https://clinicaltrials.gov/api/v2/"
APP_NAME = "mscterm"
DEFAULT_REVIEWER = "default"
JOURNAL_FORMS = ("abbrev", "full")
DEFAULT_EXCLUSION_REASONS: tuple[str, ...] = (
    "wrong population",
    "wrong intervention",
    "wrong outcome",
    "not primary research",
    "duplicate",
    "retracted",
    "other",
)
MAX_REVIEWER_CHARS = 64


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
class Highlight:
    """Terms the screening pane highlights: inclusion terms and exclusion terms."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


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
    ctgov_url: str = DEFAULT_CTGOV_URL
    reviewer: str = DEFAULT_REVIEWER
    journal: str = "abbrev"
    """Which journal form exports use: ``abbrev`` (ISO abbreviation) or ``full``."""
    exclusion_reasons: tuple[str, ...] = DEFAULT_EXCLUSION_REASONS
    highlight: Highlight = field(default_factory=Highlight)
    criteria: str = ""
    """The review's eligibility criteria (free text), shown one key away while screening."""
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def requests_per_second(self) -> int:
        """NCBI's limit: 3 requests/s per machine, 10/s with an API key."""
        return 10 if self.api_key else 3


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def _env_bool(name: str, value: str) -> bool:
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ConfigError(f"{name} must be 1 or 0 (true/false), not {_shown(value)}")


def _shown(value: object) -> str:
    """A value as a user would recognise it in an error line (short, printable)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_url(url: str, what: str) -> str:
    """``url`` with a trailing slash, or :class:`ConfigError` when it cannot be requested.

    Only ``http``/``https`` with a host (and a valid port) are requests mscterm can make; a
    ``file://`` or empty URL is bad input, not a network failure to retry.
    """
    from urllib.parse import urlsplit

    if not url or not url.isprintable() or any(c.isspace() for c in url):
        raise ConfigError(f"{what} is not a usable URL: {_shown(url)}")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for 99999 or "abc"
        host = parts.hostname or ""
        if host and not host.replace(".", "").replace("-", "").replace(":", "").isalnum():
            raise ValueError(host)
        if host and ":" not in host:  # not IPv6: every label must be a valid IDNA label
            for label in host.encode("idna").decode("ascii").split("."):
                if label.lower().startswith("xn--") and not label[4:].encode().decode("punycode"):
                    raise ValueError(label)
    except (ValueError, UnicodeError):
        raise ConfigError(f"{what} is not a usable URL: {_shown(url)}") from None
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"{what} must be an http:// or https:// URL, not {_shown(url)}")
    if not host or port == 0:
        raise ConfigError(f"{what} has no host: {_shown(url)}")
    return url if url.endswith("/") else url + "/"


def _typed(values: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    """``values[key]`` when it has the expected TOML type, else :class:`ConfigError`."""
    value = values.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ConfigError(f"config {key} must be {what}, not {_shown(value)}")
    return value


def _str_list(values: dict[str, Any], key: str) -> tuple[str, ...] | None:
    value = _typed(values, key, list, "a list of strings")
    if value is None:
        return None
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"config {key} must be a list of non-empty strings")
    return tuple(dict.fromkeys(v.strip() for v in value))


def _highlight(values: dict[str, Any]) -> Highlight:
    raw = values.get("highlight")
    if raw is None:
        return Highlight()
    if isinstance(raw, list):
        terms = _str_list(values, "highlight") or ()
        return Highlight(include=terms)
    if not isinstance(raw, dict) or set(raw) - {"include", "exclude"}:
        raise ConfigError(
            "config highlight must be a list of terms or {include = [...], exclude = [...]}"
        )
    return Highlight(
        include=_str_list(raw, "include") or (), exclude=_str_list(raw, "exclude") or ()
    )


def check_reviewer(name: str) -> str:
    """A reviewer name as stored: stripped, printable, no comma (``--reviewers A,B`` splits)."""
    value = name.strip()
    if not value or not value.isprintable() or "," in value or len(value) > MAX_REVIEWER_CHARS:
        raise ConfigError(
            f"reviewer must be a printable name of 1-{MAX_REVIEWER_CHARS} characters "
            f"without commas, not {_shown(name)}"
        )
    return value


def load_settings(
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    eutils_url: str | None = None,
    offline: bool | None = None,
    config: str | os.PathLike[str] | None = None,
    env: dict[str, str] | None = None,
    ctgov_url: str | None = None,
    reviewer: str | None = None,
) -> Settings:
    """Build :class:`Settings` from flags (arguments), environment, config file and defaults.

    Raises :class:`ConfigError` with a one-line reason when the config file is unreadable or a
    value has the wrong type or form.
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
        in_file = _typed(file_values, file_key, str, "a string")  # checked even when overridden
        if flag is not None:
            return flag
        if env.get(env_name):
            return env[env_name]
        return default if in_file is None else in_file

    cache = Path(pick(cache_dir, "MSCTERM_CACHE_DIR", "cache_dir", None) or _user_dir("cache"))
    # Marks and pinned citation keys are the user's, not the cache's: they stay in the user
    # state dir whichever cache is used (MSCTERM_STATE_DIR moves them, e.g. for tests).
    state_file = _typed(file_values, "state_dir", str, "a string")
    state = Path(env.get("MSCTERM_STATE_DIR") or state_file or _user_dir("state"))
    url = check_url(
        str(pick(eutils_url, "MSCTERM_EUTILS_URL", "eutils_url", DEFAULT_EUTILS_URL)),
        "the E-utilities URL",
    )
    trials_url = check_url(
        str(pick(ctgov_url, "MSCTERM_CTGOV_URL", "ctgov_url", DEFAULT_CTGOV_URL)),
        "the ClinicalTrials.gov URL",
    )
    if offline is None:
        if env.get("MSCTERM_OFFLINE") is not None:
            offline = _env_bool("MSCTERM_OFFLINE", env["MSCTERM_OFFLINE"])
        else:
            offline = bool(_typed(file_values, "offline", bool, "true or false"))
    template = _typed(file_values, "citekey_template", str, "a string") or "{author}{year}{word}"
    who = check_reviewer(str(pick(reviewer, "MSCTERM_REVIEWER", "reviewer", DEFAULT_REVIEWER)))
    journal = _typed(file_values, "journal", str, "a string") or "abbrev"
    if journal not in JOURNAL_FORMS:
        raise ConfigError(f'config journal must be "abbrev" or "full", not {_shown(journal)}')
    email = env.get("NCBI_EMAIL") or _typed(file_values, "email", str, "a string") or None
    return Settings(
        cache_dir=cache.expanduser(),
        state_dir=state.expanduser(),
        eutils_url=url,
        api_key=env.get("NCBI_API_KEY") or None,
        email=email,
        offline=bool(offline),
        config_path=config_path,
        citekey_template=template,
        ctgov_url=trials_url,
        reviewer=who,
        journal=journal,
        exclusion_reasons=_str_list(file_values, "exclusion_reasons") or DEFAULT_EXCLUSION_REASONS,
        highlight=_highlight(file_values),
        criteria=_typed(file_values, "criteria", str, "a string") or "",
        extra={k: v for k, v in file_values.items() if k not in _KNOWN_FILE_KEYS},
    )


_KNOWN_FILE_KEYS = frozenset(
    {
        "cache_dir",
        "state_dir",
        "eutils_url",
        "ctgov_url",
        "offline",
        "email",
        "citekey_template",
        "reviewer",
        "journal",
        "exclusion_reasons",
        "highlight",
        "criteria",
    }
)
