"""Shared test helpers: config files, the CLI as a child process, a tiny scripted web site."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def write_config(path: Path, database_url: str, sources: list[dict[str, Any]],
                 **crawl: Any) -> Path:
    """A config for a test archive: polite defaults, local sites allowed, fast time-outs."""
    settings = {"user_agent": "healthwire-test/0.1 (+mailto:tests@example.org)",
                "allow_private_addresses": True, "download_timeout": 2.0, "retry_times": 1,
                "autothrottle": False, "concurrent_requests_per_domain": 2, **crawl}
    lines = ["[archive]", f"database = {toml_value(database_url)}",
             f"warc_dir = {toml_value(str(path.parent / 'warc'))}", "", "[crawl]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in settings.items()]
    lines += ["", "[daemon]", "kill_grace_seconds = 5", ""]
    for source in sources:
        lines.append("[[sources]]")
        lines += [f"{key} = {toml_value(value)}" for key, value in source.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def healthwire(*args: str, cwd: Path, timeout: float = 600,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``healthwire ARGS`` in a child process, as a user's shell would."""
    full_env = {**os.environ, "COLUMNS": "160", **(env or {})}
    if not env or "HEALTHWIRE_DATABASE_URL" not in env:
        full_env.pop("HEALTHWIRE_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "archive.cli", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


@dataclass
class Route:
    """What the scripted site answers on one path."""

    status: int = 200
    body: bytes | Callable[[], bytes] = b""
    headers: dict[str, str] | None = None
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0


class ScriptedSite:
    """A local HTTP site whose every path is scripted by a test (bad input on purpose)."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - stdlib naming
                with site._lock:
                    site.requests.append((self.path, dict(self.headers.items())))
                route = site.routes.get(self.path) or site.routes.get(self.path.split("?")[0])
                if route is None:
                    route = Route(status=404, body=b"not here")
                if route.delay:
                    time.sleep(route.delay)
                body = route.body() if callable(route.body) else route.body
                try:
                    self.send_response(route.status)
                    self.send_header("Content-Type", route.content_type)
                    for key, value in (route.headers or {}).items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ScriptedSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def paths_requested(self) -> list[str]:
        with self._lock:
            return [path for path, _ in self.requests]


def article_html(title: str, paragraphs: list[str], *, published: str = "2022-06-05T10:00:00Z",
                 extra: str = "") -> bytes:
    """A plausible article page."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:type" content="article">'
        f'<meta property="article:published_time" content="{published}"></head><body>'
        f"<header><a href='/'>Home</a></header><article><h1>{title}</h1>"
        f"<p class='byline'>By Sam Writer</p>{body}{extra}</article></body></html>"
    ).encode()


def filler(topic: str, n: int = 4) -> list[str]:
    """Paragraphs of distinct, article-like prose about ``topic``."""
    return [
        f"Researchers studying {topic} reported on finding number {i} this week, saying the "
        f"results held across {i + 3} hospitals and several hundred patients who were followed "
        f"for {i + 2} years. Independent experts called the {topic} result careful but early."
        for i in range(n)
    ]
