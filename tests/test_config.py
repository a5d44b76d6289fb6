"""Settings precedence: flags > environment > config.toml > defaults (DESIGN.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mscterm.cli import main
from mscterm.config import DEFAULT_EUTILS_URL, ConfigError, load_settings


def test_flags_beat_environment_beat_file_beat_defaults(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'cache_dir = "/from/file"\neutils_url = "http://file.invalid/"\nemail = "f@example.org"\n'
        'citekey_template = "{author}{year}"\n',
        encoding="utf-8",
    )
    env = {"MSCTERM_CONFIG": str(config), "MSCTERM_CACHE_DIR": "/from/env"}
    s = load_settings(env=env)
    assert s.cache_dir == Path("/from/env")
    assert s.eutils_url == "http://file.invalid/"
    assert s.email == "f@example.org" and s.citekey_template == "{author}{year}"
    s = load_settings(cache_dir="/from/flag", eutils_url="http://flag.invalid", env=env)
    assert s.cache_dir == Path("/from/flag") and s.eutils_url == "http://flag.invalid/"


def test_defaults_and_the_api_key_stays_out_of_repr(tmp_path: Path) -> None:
    env = {"MSCTERM_CONFIG": str(tmp_path / "none.toml"), "NCBI_API_KEY": "secret-key-123"}
    s = load_settings(env=env)
    assert s.eutils_url == DEFAULT_EUTILS_URL
    assert s.requests_per_second == 10 and "secret-key-123" not in repr(s)
    assert load_settings(env={"MSCTERM_OFFLINE": "1"}).offline
    assert load_settings(env={}).requests_per_second == 3


def test_state_dir_does_not_follow_the_cache_dir(tmp_path: Path) -> None:
    one = load_settings(cache_dir=tmp_path / "a", env={})
    two = load_settings(cache_dir=tmp_path / "b", env={})
    assert one.state_dir == two.state_dir  # marks and citation keys are the user's
    assert load_settings(env={"MSCTERM_STATE_DIR": str(tmp_path / "s")}).state_dir == tmp_path / "s"


def test_a_broken_config_file_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("this is = = not toml", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_settings(config=config, env={})
    assert main(["lookup", "1", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mscterm: cannot read config file") and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["--offline", "--cache-dir", "CACHE", "lookup", "15833829", "--json"],
        ["lookup", "15833829", "--json", "--offline", "--cache-dir", "CACHE"],
        ["--cache-dir", "CACHE", "lookup", "15833829", "--json", "--offline"],
    ],
)
def test_settings_flags_work_before_and_after_the_command(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "given-cache"
    argv = [str(cache) if a == "CACHE" else a for a in argv]
    assert main(argv) == 0  # offline: the seed answers, nothing is fetched
    assert '"source": "seed"' in capsys.readouterr().out
    assert (cache / "records").is_dir()  # the cache named on the command line was used
