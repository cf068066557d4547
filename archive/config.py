"""The configuration file: loaded whole, validated whole, or refused whole.

A daemon that runs for months must not start (or reload) on a config that is half right, so
:func:`load_config` collects every problem it finds and raises one :class:`ConfigError` naming
the file, the line where it can be found, the key or source, and what is wrong. Nothing is
applied until everything is valid.

Relative paths in the file (the SQLite database, ``warc_dir``, a source's ``urls_file``) are
taken relative to the working directory, as for any command-line tool; the systemd unit sets
``WorkingDirectory``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.errors import ConfigError
from archive.models import OUTLET_ROLES, SOURCE_KINDS

DEFAULT_CONFIG_PATH = Path("config/healthwire.toml")
DATABASE_ENV = "HEALTHWIRE_DATABASE_URL"


@dataclass(frozen=True)
class ArchiveSettings:
    """Where the archive lives."""

    database: str = "sqlite:///data/healthwire.sqlite3"
    warc_dir: str = "data/warc"
    #: Rotate to a new WARC file past this size.
    warc_max_bytes: int = 1_000_000_000


@dataclass(frozen=True)
class CrawlSettings:
    """How politely and how far the crawler goes."""

    user_agent: str = "healthwire/0.1 (+https://example.org/healthwire; research crawler)"
    obey_robots_txt: bool = True
    allow_private_addresses: bool = False
    #: host:port pairs on private addresses that may be fetched even so (an intranet mirror,
    #: a local test site), while every other private address stays refused.
    private_address_allowlist: tuple[str, ...] = ()
    follow_citations: bool = True
    citation_depth: int = 1
    concurrent_requests_per_domain: int = 2
    download_timeout: float = 30.0
    max_response_bytes: int = 10_000_000
    retry_times: int = 3
    autothrottle: bool = True
    #: A known article is fetched again only after this many hours.
    recheck_after_hours: float = 24.0
    #: Processes that extract pages beside each crawl's reactor (0: extract inline).
    extraction_workers: int = 1


@dataclass(frozen=True)
class LinkSettings:
    """Thresholds that turn similarity scores into relations (stored with every link)."""

    duplicate_jaccard: float = 0.9
    near_duplicate_jaccard: float = 0.5
    excerpt_containment: float = 0.8
    partial_reuse_containment: float = 0.3
    min_shared_passages: int = 1
    #: Documented in docs/configuration.md and docs/linking.md; stored with every link.
    #: A shared passage is a run of at least this many words present in both texts.
    min_passage_words: int = 12
    min_quote_words: int = 8
    min_reuse_chars: int = 300
    rewrite_containment: float = 0.15
    min_shared_shingles: int = 15
    excerpt_max_coverage: float = 0.67
    boilerplate_min_pages: int = 3
    date_tolerance_seconds: float = 60.0
    trusted_date_sources: tuple[str, ...] = ("jsonld", "meta", "time-tag", "url", "feed",
                                             "sitemap")
    min_shared_keys: int = 2
    max_candidates: int = 200


@dataclass(frozen=True)
class DaemonSettings:
    """How the scheduler treats time: limits, grace periods, catch-up."""

    timezone: str = "UTC"
    #: A run that could not start on time may still start this late (APScheduler's default is
    #: one second, far too strict for crawls).
    misfire_grace_seconds: int = 3600
    crawl_time_limit_seconds: int = 3600
    kill_grace_seconds: int = 30


@dataclass(frozen=True)
class SourceConfig:
    """One configured entry point."""

    name: str
    outlet: str
    kind: str
    url: str | None = None
    urls: tuple[str, ...] = ()
    urls_file: str | None = None
    schedule: str | None = None
    enabled: bool = True
    role: str = "unknown"
    domains: tuple[str, ...] = ()
    #: listing sources: regular expressions an article URL must match, and how far to page.
    follow: tuple[str, ...] = ()
    max_pages: int = 5
    #: At most this many article pages per run (feeds and sitemaps can list thousands).
    max_articles: int = 500


@dataclass(frozen=True)
class Config:
    """A validated configuration."""

    path: Path | None
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    link: LinkSettings = field(default_factory=LinkSettings)
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    sources: tuple[SourceConfig, ...] = ()

    def source(self, name: str) -> SourceConfig:
        """The source called ``name``, or a ConfigError listing the known ones."""
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(
            f"no source named {name!r} in {self.path or 'the configuration'}",
            hint=f"known sources: {known}",
        )

    def database_url(self, override: str | None = None) -> str:
        """The database URL: ``--db``, then ``HEALTHWIRE_DATABASE_URL``, then the file."""
        return override or os.environ.get(DATABASE_ENV) or self.archive.database


_SECTIONS: dict[str, type] = {
    "archive": ArchiveSettings,
    "crawl": CrawlSettings,
    "link": LinkSettings,
    "daemon": DaemonSettings,
}
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class _Problems:
    """Collects every problem with a file, each placed at a line where one can be found."""

    def __init__(self, path: Path | None, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.items: list[str] = []

    def add(self, where: str, message: str, line: int | None = None) -> None:
        place = str(self.path or "<config>") + (f":{line}" if line else "")
        self.items.append(f"{place}: {where}: {message}")

    def line_of(self, section: str, key: str | None, index: int | None = None) -> int | None:
        """The 1-based line of ``key`` in ``[section]`` (or the index-th ``[[section]]``)."""
        header = re.compile(rf"^\s*\[\[?\s*{re.escape(section)}\s*\]\]?\s*(#.*)?$")
        any_header = re.compile(r"^\s*\[")
        seen = -1
        inside = False
        for number, raw in enumerate(self.lines, start=1):
            if header.match(raw):
                seen += 1
                inside = index is None or seen == index
                if inside and key is None:
                    return number
                continue
            if any_header.match(raw):
                inside = False
                continue
            if inside and key is not None and re.match(rf"^\s*{re.escape(key)}\s*=", raw):
                return number
        return None

    def raise_if_any(self) -> None:
        if self.items:
            count = len(self.items)
            raise ConfigError(
                f"{count} problem{'s' if count > 1 else ''} in the configuration:\n  "
                + "\n  ".join(self.items),
                hint="fix the file and try again; nothing of it was applied",
            )


def _type_name(kind: Any) -> str:
    return {str: "a string", bool: "true or false", int: "an integer", float: "a number"}.get(
        kind, "a list of strings"
    )


def _check_value(value: Any, annotation: str) -> tuple[bool, Any, str]:
    """Check ``value`` against a dataclass field annotation; return (ok, coerced, expected)."""
    if annotation.startswith("tuple"):
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return ok, tuple(value) if ok else value, "a list of strings"
    optional = "None" in annotation
    base = annotation.replace(" | None", "")
    kind = {"str": str, "bool": bool, "int": int, "float": float}[base]
    if value is None and optional:
        return True, None, _type_name(kind)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return True, float(value), _type_name(kind)
    ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
    return ok, value, _type_name(kind)


def _build(
    cls: type,
    table: dict[str, Any],
    problems: _Problems,
    where: str,
    section: str,
    index: int | None = None,
) -> dict[str, Any]:
    """Check ``table`` against the dataclass ``cls``: unknown keys and wrong types are problems."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        line = problems.line_of(section, key, index)
        if key not in fields or key == "path":
            known = ", ".join(sorted(k for k in fields if k != "path"))
            problems.add(f"{where}.{key}", f"unknown key (known keys: {known})", line)
            continue
        ok, coerced, expected = _check_value(value, str(fields[key].type))
        if not ok:
            problems.add(f"{where}.{key}", f"expected {expected}, got {value!r}", line)
            continue
        values[key] = coerced
    return values


def _check_url(url: str) -> str | None:
    """Why ``url`` cannot be crawled, or None if it can."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"{url!r} is not a URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"{url!r} is not an http(s) URL"
    if not parts.hostname:
        return f"{url!r} has no host name"
    if any(ch.isspace() for ch in url):
        return f"{url!r} contains white space"
    return None


def check_cron(expression: str) -> str | None:
    """Why ``expression`` is not a five-field cron expression, or None if it is one."""
    from apscheduler.triggers.cron import CronTrigger

    if len(expression.split()) != 5:
        return (
            f"{expression!r} is not a cron expression: it needs five fields "
            "(minute hour day month weekday), e.g. '*/30 * * * *'"
        )
    try:
        CronTrigger.from_crontab(expression, timezone="UTC")
    except ValueError as exc:
        return f"{expression!r} is not a valid cron expression: {exc}"
    return None


def _check_source(
    raw: Any, index: int, problems: _Problems, seen: dict[str, int]
) -> SourceConfig | None:
    label = f"sources[{index}]"
    header_line = problems.line_of("sources", None, index)
    if not isinstance(raw, dict):
        problems.add(label, "must be a table ([[sources]])", header_line)
        return None
    name = raw.get("name")
    if isinstance(name, str):
        label = f"sources[{index}] ({name!r})"
    values = _build(SourceConfig, raw, problems, label, "sources", index)
    before = len(problems.items)
    for required in ("name", "outlet", "kind"):
        if required not in raw:
            problems.add(label, f"missing required key {required!r}", header_line)
    if "name" in values:
        if not _SOURCE_NAME.match(values["name"]):
            problems.add(
                f"{label}.name",
                "use letters, digits, '.', '_' or '-' (it names files and locks)",
                problems.line_of("sources", "name", index),
            )
        elif values["name"] in seen:
            problems.add(
                f"{label}.name",
                f"duplicate source name (also sources[{seen[values['name']]}])",
                problems.line_of("sources", "name", index),
            )
        else:
            seen[values["name"]] = index
    kind = values.get("kind")
    if kind is not None and kind not in SOURCE_KINDS:
        problems.add(
            f"{label}.kind",
            f"{kind!r} is not a source kind (one of {', '.join(SOURCE_KINDS)})",
            problems.line_of("sources", "kind", index),
        )
    if values.get("role", "unknown") not in OUTLET_ROLES:
        problems.add(
            f"{label}.role",
            f"{values['role']!r} is not an outlet role (one of {', '.join(OUTLET_ROLES)})",
            problems.line_of("sources", "role", index),
        )
    if kind in ("feed", "sitemap", "listing") and not values.get("url"):
        problems.add(label, f"a {kind} source needs a 'url'", header_line)
    if kind == "urls" and not (values.get("urls") or values.get("urls_file")):
        problems.add(label, "a urls source needs 'urls' or 'urls_file'", header_line)
    for key in ("url",):
        if values.get(key) and (why := _check_url(values[key])):
            problems.add(f"{label}.{key}", why, problems.line_of("sources", key, index))
    for position, url in enumerate(values.get("urls", ())):
        if why := _check_url(url):
            line = problems.line_of("sources", "urls", index)
            problems.add(f"{label}.urls[{position}]", why, line)
    for position, pattern in enumerate(values.get("follow", ())):
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.add(
                f"{label}.follow[{position}]",
                f"{pattern!r} is not a regular expression ({exc})",
                problems.line_of("sources", "follow", index),
            )
    if values.get("schedule") and (why := check_cron(values["schedule"])):
        problems.add(f"{label}.schedule", why, problems.line_of("sources", "schedule", index))
    for key in ("max_pages", "max_articles"):
        if values.get(key, 1) < 1:
            problems.add(f"{label}.{key}", "must be at least 1",
                         problems.line_of("sources", key, index))
    if len(problems.items) > before or not all(k in values for k in ("name", "outlet", "kind")):
        return None
    return SourceConfig(**values)


def _check_settings(sections: dict[str, dict[str, Any]], problems: _Problems) -> None:
    """Range checks that types alone cannot express."""
    crawl = sections["crawl"]
    positive = {
        ("crawl", "citation_depth"): 0,
        ("crawl", "concurrent_requests_per_domain"): 1,
        ("crawl", "download_timeout"): 1,
        ("crawl", "max_response_bytes"): 1024,
        ("crawl", "retry_times"): 0,
        ("crawl", "recheck_after_hours"): 0,
        ("crawl", "extraction_workers"): 0,
        ("archive", "warc_max_bytes"): 1_000_000,
        ("daemon", "misfire_grace_seconds"): 1,
        ("daemon", "crawl_time_limit_seconds"): 1,
        ("daemon", "kill_grace_seconds"): 0,
        ("link", "min_shared_passages"): 1,
        ("link", "min_passage_words"): 3,
        ("link", "min_quote_words"): 3,
        ("link", "min_reuse_chars"): 0,
        ("link", "min_shared_shingles"): 1,
        ("link", "boilerplate_min_pages"): 2,
        ("link", "date_tolerance_seconds"): 0,
        ("link", "min_shared_keys"): 1,
        ("link", "max_candidates"): 1,
    }
    for (section, key), minimum in positive.items():
        value = sections[section].get(key)
        if value is not None and value < minimum:
            problems.add(
                f"{section}.{key}", f"must be at least {minimum}, got {value}",
                problems.line_of(section, key),
            )
    for key in ("duplicate_jaccard", "near_duplicate_jaccard", "excerpt_containment",
                "partial_reuse_containment", "rewrite_containment", "excerpt_max_coverage"):
        value = sections["link"].get(key)
        if value is not None and not 0 < value <= 1:
            problems.add(f"link.{key}", f"must be in (0, 1], got {value}",
                         problems.line_of("link", key))
    if crawl.get("user_agent") is not None and not crawl["user_agent"].strip():
        problems.add("crawl.user_agent", "must not be empty: say who crawls and how to reach you",
                     problems.line_of("crawl", "user_agent"))
    database = sections["archive"].get("database")
    if database is not None and not re.match(r"^(sqlite|postgres(ql)?)(\+\w+)?://", database):
        problems.add("archive.database", f"{database!r} is not a sqlite:// or postgresql:// URL",
                     problems.line_of("archive", "database"))
    from archive.models import DATE_SOURCES

    for source in sections["link"].get("trusted_date_sources", ()):
        if source not in DATE_SOURCES:
            problems.add("link.trusted_date_sources",
                         f"{source!r} is not a date source (one of {', '.join(DATE_SOURCES)})",
                         problems.line_of("link", "trusted_date_sources"))
    timezone = sections["daemon"].get("timezone")
    if timezone is not None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.add("daemon.timezone", f"{timezone!r} is not a known time zone",
                         problems.line_of("daemon", "timezone"))


def parse_config(text: str, path: Path | None = None) -> Config:
    """Validate configuration ``text`` (the contents of ``path``) into a :class:`Config`."""
    problems = _Problems(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.14 gives exc.lineno; older versions only say "(at line N, column M)".
        line = getattr(exc, "lineno", None)
        if line is None and (found := re.search(r"at line (\d+)", str(exc))):
            line = int(found.group(1))
        problems.add("TOML syntax", str(exc), line)
        problems.raise_if_any()
        raise AssertionError("unreachable") from exc
    sections: dict[str, dict[str, Any]] = {name: {} for name in _SECTIONS}
    sources: list[SourceConfig] = []
    for key, value in data.items():
        if key in _SECTIONS:
            if not isinstance(value, dict):
                problems.add(key, "must be a table", problems.line_of(key, None))
                continue
            sections[key] = _build(_SECTIONS[key], value, problems, key, key)
        elif key == "sources":
            if not isinstance(value, list):
                problems.add("sources", "must be an array of tables ([[sources]])", None)
                continue
            seen: dict[str, int] = {}
            for index, raw in enumerate(value):
                source = _check_source(raw, index, problems, seen)
                if source is not None:
                    sources.append(source)
        else:
            known = ", ".join([*_SECTIONS, "sources"])
            problems.add(key, f"unknown section (known: {known})", problems.line_of(key, None))
    _check_settings(sections, problems)
    problems.raise_if_any()
    return Config(
        path=path,
        archive=ArchiveSettings(**sections["archive"]),
        crawl=CrawlSettings(**sections["crawl"]),
        link=LinkSettings(**sections["link"]),
        daemon=DaemonSettings(**sections["daemon"]),
        sources=tuple(sources),
    )


def load_config(path: Path | str | None = None, *, required: bool = False) -> Config:
    """Load and validate the configuration file.

    Without a path, ``config/healthwire.toml`` is used if it exists, and built-in defaults
    (no sources) otherwise, so that ``healthwire init --db ...`` works anywhere. A path the
    user named must exist.
    """
    explicit = path is not None
    config_path = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    if not config_path.exists():
        if explicit or required:
            raise ConfigError(
                f"configuration file {config_path} does not exist",
                hint="pass --config PATH, or copy config/healthwire.toml to start from",
            )
        return Config(path=None)
    try:
        text = config_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration file {config_path}: {exc}") from exc
    return parse_config(text, config_path)


def dump_config(config: Config) -> str:
    """Write ``config`` back as TOML that :func:`parse_config` reads to an equal Config."""
    out: list[str] = []
    for name, cls in _SECTIONS.items():
        out.append(f"[{name}]")
        settings = getattr(config, name)
        for f in dataclasses.fields(cls):
            out.append(f"{f.name} = {_toml_value(getattr(settings, f.name))}")
        out.append("")
    for source in config.sources:
        out.append("[[sources]]")
        for f in dataclasses.fields(SourceConfig):
            value = getattr(source, f.name)
            if value is not None:
                out.append(f"{f.name} = {_toml_value(value)}")
        out.append("")
    return "\n".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")
