"""The files an operator installs: the production example config and the systemd unit."""

from __future__ import annotations

import configparser
import re

from archive.config import load_config
from tests.helpers import REPO


def test_production_example_is_a_valid_postgresql_config() -> None:
    config = load_config(REPO / "config" / "production.example.toml")
    assert config.archive.database.startswith("postgresql://")
    assert not config.crawl.allow_private_addresses
    assert config.sources and all(s.schedule for s in config.sources)
    assert config.daemon.misfire_grace_seconds > 1  # APScheduler's one-second default is wrong


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(REPO / "config" / "healthwire.service")
    return parser


def test_systemd_unit_stops_the_way_the_daemon_expects() -> None:
    service = _unit()["Service"]
    assert service["Type"] == "simple"
    assert service["KillMode"] == "mixed"  # SIGTERM to the daemon only; it forwards one
    assert service["Restart"] == "on-failure"
    assert service["User"] not in ("", "root")
    assert service["WorkingDirectory"].startswith("/")
    assert " daemon" in service["ExecStart"]
    assert "-HUP" in service["ExecReload"]
    example = load_config(REPO / "config" / "production.example.toml")
    stop = int(re.match(r"\d+", service["TimeoutStopSec"]).group())  # type: ignore[union-attr]
    assert stop > example.daemon.kill_grace_seconds + 30
