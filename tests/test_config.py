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


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",  # unclosed IPv6 bracket
        "http://127.0.0.1:99999/",  # port out of range
        "http://127.0.0.1:80\x1b[31m/",  # an escape character
        "http://xn--/",  # a label IDNA cannot encode
        "file:///etc/passwd",
        "ftp://example.org/",
        "",
        "http:///no-host",
    ],
)
def test_an_unusable_service_url_is_bad_input_not_a_network_failure(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("MSCTERM_EUTILS_URL", "MSCTERM_CTGOV_URL"):
        flag = "eutils_url" if variable == "MSCTERM_EUTILS_URL" else "ctgov_url"
        with pytest.raises(ConfigError):
            load_settings(env={}, **{flag: url})
        if url:  # an empty variable means "not set"
            with pytest.raises(ConfigError):
                load_settings(env={variable: url})
        monkeypatch.setenv(variable, url)
        if url:  # an empty variable means "not set"
            assert main(["lookup", "15833829", "--json"]) == 2
            err = capsys.readouterr().err
            assert err.startswith("mscterm: ") and err.count("\n") == 1
            assert "Traceback" not in err and "\x1b" not in err
        monkeypatch.delenv(variable)


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ("cache_dir = 5", "cache_dir must be a string"),
        ("state_dir = [1]", "state_dir must be a string"),
        ('offline = "no"', "offline must be true or false"),
        ("email = true", "email must be a string"),
        ('journal = "long"', 'journal must be "abbrev" or "full"'),
        ('exclusion_reasons = "wrong"', "exclusion_reasons must be a list"),
        ("exclusion_reasons = [1, 2]", "exclusion_reasons must be a list of non-empty strings"),
        ('reviewer = "a,b"', "reviewer must be a printable name"),
        ("highlight = 3", "highlight must be a list of terms"),
    ],
)
def test_config_values_of_the_wrong_type_are_refused_in_one_line(
    toml: str, words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=words):
        load_settings(config=config, env={})
    assert main(["topics", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_offline_environment_value_must_be_a_yes_or_no(tmp_path: Path) -> None:
    assert not load_settings(env={"MSCTERM_OFFLINE": "0"}).offline
    assert not load_settings(env={"MSCTERM_OFFLINE": "no"}).offline
    assert load_settings(env={"MSCTERM_OFFLINE": "yes"}).offline
    with pytest.raises(ConfigError, match="MSCTERM_OFFLINE"):
        load_settings(env={"MSCTERM_OFFLINE": "maybe"})


def test_screening_and_trial_settings_come_from_flags_env_and_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'reviewer = "from-file"\nctgov_url = "http://127.0.0.1:8/api/v2"\njournal = "full"\n'
        'exclusion_reasons = ["wrong dose", "animal study"]\ncriteria = "Adults; MSC product."\n'
        'highlight = {include = ["tumor"], exclude = ["mouse"]}\n',
        encoding="utf-8",
    )
    s = load_settings(config=config, env={})
    assert s.reviewer == "from-file" and s.ctgov_url == "http://127.0.0.1:8/api/v2/"
    assert s.journal == "full" and s.exclusion_reasons == ("wrong dose", "animal study")
    assert s.criteria == "Adults; MSC product."
    assert s.highlight.include == ("tumor",) and s.highlight.exclude == ("mouse",)
    assert load_settings(config=config, env={"MSCTERM_REVIEWER": "env"}).reviewer == "env"
    assert (
        load_settings(config=config, env={"MSCTERM_REVIEWER": "env"}, reviewer="flag").reviewer
        == "flag"
    )
    assert load_settings(env={}).reviewer == "default"
    assert load_settings(env={}).exclusion_reasons[0] == "wrong population"
