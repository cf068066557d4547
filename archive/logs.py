"""Structured logs: one JSON object per line on stderr.

The daemon runs unattended under systemd, so its log is read by journald, ``grep`` and ``jq``
rather than by a person watching a terminal. Every line is one JSON object with ``time`` (UTC,
ISO 8601), ``level`` and ``event`` (a stable, snake_case name to search for), plus the fields
of that event; every line about a crawl run carries ``source`` and ``run_id``. Messages for
people go in ``message`` when there is something to explain.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

#: The attribute of a LogRecord that carries the event's structured fields.
FIELDS_ATTR = "healthwire_fields"


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object on one line (no embedded newlines, ever)."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, FIELDS_ATTR, None) or {}
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": fields.get("event") or "log",
            "logger": record.name,
        }
        line.update({k: v for k, v in fields.items() if k != "event"})
        message = record.getMessage()
        if message and message != line["event"]:
            line["message"] = message
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def setup_logging(level: int = logging.INFO, stream: IO[str] | None = None) -> None:
    """Send every log record of this process, as JSON lines, to ``stream`` (stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # APScheduler's own lines ("Running job", "missed by") repeat what the daemon's events say.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def log_event(logger: logging.Logger, level: int, event: str, message: str = "",
              **fields: Any) -> None:
    """Log ``event`` with its structured ``fields`` (None values are left out)."""
    clean = {k: v for k, v in fields.items() if v is not None}
    logger.log(level, message or event, extra={FIELDS_ATTR: {"event": event, **clean}})
