"""The configuration is validated whole: every kind of mistake is named with file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.config import (
    DATABASE_ENV,
    Config,
    dump_config,
    load_config,
    parse_config,
)
from archive.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]

GOOD = """
[archive]
database = "sqlite:///data/x.sqlite3"
warc_dir = "data/warc"

[crawl]
user_agent = "healthwire-test (+mailto:test@example.org)"
allow_private_addresses = true
citation_depth = 2

[[sources]]
name = "npr-health"
outlet = "NPR"
role = "original"
kind = "feed"
url = "https://feeds.npr.org/1128/rss.xml"
schedule = "*/30 * * * *"

[[sources]]
name = "list"
outlet = "Somebody"
kind = "urls"
urls = ["https://example.org/a", "https://example.org/b"]
"""


def _error(text: str, tmp_path: Path) -> str:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message, "the error must name the file"
    assert "nothing of it was applied" in message
    return message


def test_good_config_loads_into_typed_objects() -> None:
    config = parse_config(GOOD)
    assert config.crawl.allow_private_addresses is True
    assert config.crawl.citation_depth == 2
    assert config.crawl.obey_robots_txt is True  # default kept
    assert [s.name for s in config.sources] == ["npr-health", "list"]
    assert config.sources[1].urls == ("https://example.org/a", "https://example.org/b")
    assert config.source("npr-health").outlet == "NPR"


def test_good_config_round_trips() -> None:
    config = parse_config(GOOD)
    again = parse_config(dump_config(config))
    assert again == config


def test_shipped_default_config_is_valid_and_round_trips() -> None:
    config = load_config(REPO / "config" / "healthwire.toml")
    assert len(config.sources) >= 10
    assert {"feed", "sitemap", "listing"} <= {s.kind for s in config.sources}
    outlets = {s.outlet for s in config.sources}
    assert {"NPR", "The Independent", "The New York Times"} <= outlets
    assert any(s.role == "aggregator" for s in config.sources)
    assert config.crawl.obey_robots_txt and not config.crawl.allow_private_addresses
    assert parse_config(dump_config(config)).sources == config.sources


def test_unknown_key_names_line_and_known_keys(tmp_path: Path) -> None:
    message = _error('[crawl]\nobey_robots = true\n', tmp_path)
    assert ":2: crawl.obey_robots: unknown key" in message
    assert "obey_robots_txt" in message


def test_unknown_section(tmp_path: Path) -> None:
    message = _error('[crawler]\nx = 1\n', tmp_path)
    assert "crawler: unknown section" in message


def test_wrong_types(tmp_path: Path) -> None:
    message = _error(
        '[crawl]\nobey_robots_txt = "yes"\ncitation_depth = 1.5\n[archive]\nwarc_dir = 3\n',
        tmp_path,
    )
    assert ":2: crawl.obey_robots_txt: expected true or false, got 'yes'" in message
    assert ":3: crawl.citation_depth: expected an integer" in message
    assert ":5: archive.warc_dir: expected a string" in message
    assert "3 problems" in message


def test_bad_cron_expression(tmp_path: Path) -> None:
    message = _error(
        GOOD.replace('schedule = "*/30 * * * *"', 'schedule = "*/61 * * * *"'), tmp_path
    )
    assert "sources[0] ('npr-health').schedule" in message
    assert "not a valid cron expression" in message
    assert ":17:" in message


def test_cron_with_wrong_field_count(tmp_path: Path) -> None:
    message = _error(GOOD.replace('"*/30 * * * *"', '"every half hour"'), tmp_path)
    assert "needs five fields" in message


def test_duplicate_source_names(tmp_path: Path) -> None:
    message = _error(GOOD.replace('name = "list"', 'name = "npr-health"'), tmp_path)
    assert "sources[1] ('npr-health').name: duplicate source name (also sources[0])" in message


def test_bad_urls(tmp_path: Path) -> None:
    message = _error(
        GOOD.replace("https://feeds.npr.org/1128/rss.xml", "ftp://feeds.npr.org/x").replace(
            '"https://example.org/b"', '"not a url"'
        ),
        tmp_path,
    )
    assert "sources[0] ('npr-health').url: 'ftp://feeds.npr.org/x' is not an http(s) URL" in message
    assert "sources[1] ('list').urls[1]" in message


def test_missing_required_keys_and_bad_kind(tmp_path: Path) -> None:
    message = _error('[[sources]]\nname = "x"\nkind = "rss"\n', tmp_path)
    assert "missing required key 'outlet'" in message
    assert "'rss' is not a source kind" in message


def test_feed_without_url(tmp_path: Path) -> None:
    message = _error('[[sources]]\nname = "x"\noutlet = "X"\nkind = "feed"\n', tmp_path)
    assert "a feed source needs a 'url'" in message


def test_bad_regex_and_role(tmp_path: Path) -> None:
    message = _error(
        '[[sources]]\nname = "x"\noutlet = "X"\nkind = "listing"\nurl = "https://x.org/"\n'
        'follow = ["(unclosed"]\nrole = "blogger"\n',
        tmp_path,
    )
    assert "follow[0]" in message and "not a regular expression" in message
    assert "'blogger' is not an outlet role" in message


def test_out_of_range_values(tmp_path: Path) -> None:
    message = _error(
        '[link]\nduplicate_jaccard = 1.5\n[crawl]\nconcurrent_requests_per_domain = 0\n'
        'user_agent = "  "\n[daemon]\ntimezone = "Mars/Olympus"\n[archive]\n'
        'database = "mysql://x/y"\n',
        tmp_path,
    )
    assert "link.duplicate_jaccard: must be in (0, 1]" in message
    assert "crawl.concurrent_requests_per_domain: must be at least 1" in message
    assert "crawl.user_agent: must not be empty" in message
    assert "'Mars/Olympus' is not a known time zone" in message
    assert "archive.database" in message


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    message = _error('[crawl]\nuser_agent = "unterminated\n', tmp_path)
    assert "TOML syntax" in message and ":2:" in message


def test_missing_named_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_no_default_file_gives_builtin_defaults(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.path is None and config.sources == ()


def test_database_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    config: Config = parse_config(GOOD)
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    assert config.database_url() == "sqlite:///data/x.sqlite3"
    monkeypatch.setenv(DATABASE_ENV, "postgresql://env/db")
    assert config.database_url() == "postgresql://env/db"
    assert config.database_url("sqlite:///flag.sqlite3") == "sqlite:///flag.sqlite3"


def test_unknown_source_lookup_lists_known() -> None:
    with pytest.raises(ConfigError, match="known sources: npr-health, list"):
        parse_config(GOOD).source("nope")
