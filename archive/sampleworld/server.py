"""Serve the sample world: one threaded HTTP server per site, each on its own free port.

Separate ports make separate origins, so robots.txt, per-domain politeness and cross-site
citation links behave as they would on the web. Page files are templates: ``{{site:NAME}}``
becomes the running site's base URL at serve time, because ports are only known after binding.
Misbehaviour (redirects, loops, 404/500, a stall, a wrong charset) comes from each site's
``routes.json`` so that the Python stays generic and the trouble is visible as data.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

PACKAGE_DIR = Path(__file__).resolve().parent
SITES_DIR = PACKAGE_DIR / "sites"
TRUTH_PATH = PACKAGE_DIR / "truth.json"
PLACEHOLDER = re.compile(r"\{\{site:([a-z0-9-]+)\}\}")

CONTENT_TYPES = {
    ".html": "text/html", ".htm": "text/html", ".xml": "application/xml",
    ".json": "application/json", ".txt": "text/plain", ".css": "text/css",
}
# Directory URLs are tried against these files in order (``/feed/`` is an RSS document).
INDEX_FILES = ("index.html", "index.xml", "index.json")


class RequestRecord(NamedTuple):
    """One request as the world saw it, for politeness assertions in tests."""

    site: str
    method: str
    path: str
    user_agent: str
    status: int


class RequestLog:
    """A thread-safe, list-like record of requests (handlers run on many threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._items.append(record)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def snapshot(self) -> list[RequestRecord]:
        """A copy that can be iterated while servers keep appending."""
        with self._lock:
            return list(self._items)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __getitem__(self, index: int) -> RequestRecord:
        with self._lock:
            return self._items[index]


def resolve_templates(text: str, bases: dict[str, str]) -> str:
    """Replace ``{{site:NAME}}`` with the base URL; an unknown site is a bug, so it raises."""
    return PLACEHOLDER.sub(lambda m: bases[m.group(1)], text)


def resolve_truth(value: Any, bases: dict[str, str]) -> Any:
    """Resolve templates everywhere in a JSON-like value."""
    if isinstance(value, str):
        return resolve_templates(value, bases)
    if isinstance(value, list):
        return [resolve_truth(v, bases) for v in value]
    if isinstance(value, dict):
        return {k: resolve_truth(v, bases) for k, v in value.items()}
    return value


class SiteServer(ThreadingHTTPServer):
    """One site's server: knows its files, its routes and the world it belongs to."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, world: SampleWorld, name: str, port: int = 0) -> None:
        self.world = world
        self.name = name
        self.root = SITES_DIR / name
        routes_doc = json.loads((self.root / "routes.json").read_text("utf-8"))
        self.routes: dict[str, dict[str, Any]] = {r["path"]: r for r in routes_doc["routes"]}
        stamp = datetime.fromisoformat(routes_doc["last_modified"].replace("Z", "+00:00"))
        self.last_modified = stamp.astimezone(UTC).replace(microsecond=0)
        try:
            super().__init__(("127.0.0.1", port), SiteHandler)
        except OSError as exc:
            raise OSError(exc.errno, f"cannot serve the sample site {name!r} on "
                          f"127.0.0.1:{port}: {exc.strerror}") from exc


class SiteHandler(BaseHTTPRequestHandler):
    """Serves files, conditional GETs and the trouble routes of one site."""

    server: SiteServer
    server_version = "SampleWorld/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is the record, stderr noise would drown test output."""

    def do_HEAD(self) -> None:
        self.handle_request(send_body=False)

    def do_GET(self) -> None:
        self.handle_request(send_body=True)

    # -- dispatch -------------------------------------------------------------------------

    def send_response(self, code: int, message: str | None = None) -> None:
        """Log before anything reaches the client, so a test that has read the answer
        always finds its request in the log."""
        self.record(code)
        super().send_response(code, message)

    def record(self, status: int) -> None:
        if getattr(self, "_recorded", False):
            return
        self._recorded = True
        self.server.world.request_log.append(RequestRecord(
            self.server.name, self.command or "", self.path or "",
            self.headers.get("User-Agent", "") if self.headers else "", status))

    def handle_request(self, send_body: bool) -> None:
        self._recorded = False
        path = unquote(urlsplit(self.path).path) or "/"
        route = self.server.routes.get(path)
        status = 500
        try:
            if route is None or route["action"] == "serve":
                status = self.serve_file(path, route, send_body)
            elif route["action"] == "versions":
                status = self.serve_version(path, route, send_body)
            elif route["action"] == "redirect":
                status = self.redirect(route, send_body)
            elif route["action"] == "status":
                status = int(route["status"])
                self.send_simple(status, send_body)
            elif route["action"] == "stall":
                status = self.stall(route, send_body)
            else:
                raise ValueError(f"unknown route action {route['action']!r}")
        except (BrokenPipeError, ConnectionResetError):
            status = 499  # the client gave up (e.g. a timeout while stalling)
        except Exception:
            # A bug in the world must show up as an answer, not as a hung test.
            status = 500
            if not self._recorded:
                self.send_simple(500, send_body, "The sample world failed on this request.")
            raise
        finally:
            self.record(status)  # for requests that never got an answer

    # -- responses ------------------------------------------------------------------------

    def locate(self, path: str) -> Path | None:
        """The file for a URL path, never outside the site root."""
        rel = path.lstrip("/")
        candidates = [rel + name for name in INDEX_FILES] if rel == "" or rel.endswith("/") \
            else [rel]
        root = self.server.root.resolve()
        for cand in candidates:
            target = (root / cand).resolve()
            if not target.is_relative_to(root) or not target.is_file():
                continue
            inside = target.relative_to(root).parts
            # routes.json and _versions/ are the server's, reachable only through routes
            if inside[0] == "routes.json" or inside[0].startswith("_"):
                continue
            return target
        return None

    def serve_version(self, path: str, route: dict[str, Any], send_body: bool) -> int:
        """The latest version whose epoch the world has reached (the plain file before)."""
        epoch = self.server.world.epoch
        reached = [v for v in route["versions"] if v["epoch"] <= epoch]
        if not reached:
            return self.serve_file(path, None, send_body)
        version = max(reached, key=lambda v: v["epoch"])
        target = self.server.root / version["file"]
        stamp = datetime.fromisoformat(version["last_modified"].replace("Z", "+00:00"))
        return self.serve_file(path, None, send_body, target, stamp.astimezone(UTC))

    def serve_file(self, path: str, route: dict[str, Any] | None, send_body: bool,
                   target: Path | None = None, last_modified: datetime | None = None) -> int:
        target = target or self.locate(path)
        if target is None:
            if not path.endswith("/") and self.locate(path + "/") is not None:
                self.send_response(301)  # like real servers: directories get their slash
                self.send_header("Location", self.server.world.base_url(self.server.name)
                                 + path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return 301
            self.send_simple(404, send_body)
            return 404
        text = resolve_templates(target.read_text("utf-8"), self.server.world.bases)
        encoding = route.get("encoding", "utf-8") if route else "utf-8"
        declared = route.get("declared", "utf-8") if route else "utf-8"
        body = text.encode(encoding, errors="xmlcharrefreplace")
        ctype = CONTENT_TYPES.get(target.suffix, "application/octet-stream")
        if target.name == "index.xml" or target.suffix == ".xml":
            head = text[:600]
            if "<rss" in head:
                ctype = "application/rss+xml"
            elif "<feed" in head:
                ctype = "application/atom+xml"
        if target.suffix == ".json" and '"version": "https://jsonfeed.org' in text[:200]:
            ctype = "application/feed+json"
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        last_modified = last_modified or self.server.last_modified
        if self.not_modified(etag, last_modified):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", format_datetime(last_modified, usegmt=True))
            self.end_headers()
            return 304
        self.send_response(200)
        self.send_header("Content-Type", f"{ctype}; charset={declared}")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", format_datetime(last_modified, usegmt=True))
        self.send_header("Cache-Control", "max-age=300")
        self.end_headers()
        if send_body:
            self.wfile.write(body)
        return 200

    def not_modified(self, etag: str, last_modified: datetime) -> bool:
        """RFC 9110: If-None-Match wins over If-Modified-Since when both are sent."""
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or etag in tags or f"W/{etag}" in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            return last_modified <= since
        return False

    def redirect(self, route: dict[str, Any], send_body: bool) -> int:
        status = int(route.get("status", 301))
        location = resolve_templates(str(route["location"]), self.server.world.bases)
        if location.startswith("/"):
            location = self.server.world.base_url(self.server.name) + location
        body = f'<html><body><a href="{location}">Moved</a></body></html>'.encode()
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)
        return status

    def stall(self, route: dict[str, Any], send_body: bool) -> int:
        """Wait the world's stall time (interrupted by stop), then answer."""
        if self.server.world.stopping.wait(self.server.world.stall_seconds):
            self.close_connection = True
            return 499
        status = int(route.get("status", 200))
        self.send_simple(status, send_body, "This page took a very long time to load.")
        return status

    def send_simple(self, status: int, send_body: bool, message: str | None = None) -> None:
        """A small HTML page for statuses that have no file behind them."""
        reason = self.responses.get(status, ("Status",))[0]
        text = message or reason
        body = (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{status} {reason}"
                f"</title></head><body><h1>{status} {reason}</h1><p>{text}</p></body></html>\n"
                ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class SampleWorld:
    """The running world: start it, ask where each site lives, read the truth, stop it.

    Use as a context manager (``with SampleWorld(stall_seconds=2) as world: ...``).
    ``stall_seconds`` is how long the stalling route waits before answering; keep it short in
    tests and longer than the crawler's timeout when testing timeouts.
    """

    def __init__(self, stall_seconds: float = 60.0, base_port: int | None = None) -> None:
        self.stall_seconds = stall_seconds
        #: First of consecutive ports to serve the sites on (None: free ports). The demo uses
        #: fixed ports so that its URLs, and the outputs in docs/research.md, repeat exactly.
        self.base_port = base_port
        self.epoch = 0
        self.request_log = RequestLog()
        self.stopping = threading.Event()
        self.bases: dict[str, str] = {}
        self._servers: dict[str, SiteServer] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._truth_template: dict[str, Any] = json.loads(TRUTH_PATH.read_text("utf-8"))

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> SampleWorld:
        """Bind every site on 127.0.0.1 (free ports) first, then serve: links need all ports."""
        if self._servers:
            raise RuntimeError("SampleWorld already started")
        self.stopping.clear()
        try:
            for index, name in enumerate(self.sites):
                port = self.base_port + index if self.base_port is not None else 0
                server = SiteServer(self, name, port)
                self._servers[name] = server
                host, port = server.server_address[:2]
                self.bases[name] = f"http://{host}:{port}"
        except Exception:
            self.stop()
            raise
        for name, server in self._servers.items():
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                      name=f"sampleworld-{name}", daemon=True)
            thread.start()
            self._threads[name] = thread
        return self

    def stop(self) -> None:
        """Stop serving and close the sockets; stalled handlers are woken and dropped."""
        self.stopping.set()
        # shutdown() is only valid while serve_forever runs (or it blocks forever), and each
        # waits up to a poll interval: ask all servers at once rather than one after another.
        stoppers = [threading.Thread(target=server.shutdown, daemon=True)
                    for name, server in self._servers.items()
                    if (t := self._threads.get(name)) is not None and t.is_alive()]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join(timeout=5)
        for server in self._servers.values():
            server.server_close()
        for thread in self._threads.values():
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()
        self.bases = {}

    def __enter__(self) -> SampleWorld:
        return self if self._servers else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_epoch(self, epoch: int) -> None:
        """Move the world forward in time: articles with revisions at or before ``epoch``
        serve their later version (truth.json's ``revisions``); 0 is the original world."""
        self.epoch = epoch

    # -- questions ------------------------------------------------------------------------

    @property
    def sites(self) -> list[str]:
        """Site names, in the order the world defines them."""
        return list(self._truth_template["sites"])

    @property
    def outlets(self) -> dict[str, str]:
        """Site name -> outlet name."""
        return {name: s["outlet"] for name, s in self._truth_template["sites"].items()}

    def base_url(self, site: str) -> str:
        """``http://127.0.0.1:PORT`` of a running site."""
        if site not in self.bases:
            raise KeyError(f"site {site!r} is not running (known: {', '.join(self.sites)})")
        return self.bases[site]

    def url(self, site: str, path: str) -> str:
        """Absolute URL of a path on a running site."""
        return self.base_url(site) + path

    def truth(self) -> dict[str, Any]:
        """truth.json with every ``{{site:NAME}}`` resolved to the running ports."""
        self._require_running()
        return resolve_truth(self._truth_template, self.bases)

    def sources(self) -> list[dict[str, Any]]:
        """Crawl sources in the project's config format (name, outlet, role, kind, url, schedule).

        ``urls`` sources also carry the list under ``urls``; ``listing`` sources carry
        ``follow`` (article URL regexes, anchored to the running site) and ``max_pages``.
        """
        self._require_running()
        out = []
        for src in self._truth_template["sources"]:
            url = resolve_templates(src["url"], self.bases)
            entry: dict[str, Any] = {"name": src["name"], "outlet": src["outlet"],
                                     "role": src["role"], "kind": src["kind"], "url": url,
                                     "schedule": src["schedule"]}
            if src["kind"] == "urls":
                entry["urls"] = [url]
            if "follow" in src:
                base = re.escape(self.base_url(src["site"]))
                entry["follow"] = ["^" + base + src["follow"]]
                entry["max_pages"] = src["max_pages"]
            out.append(entry)
        return out

    def sources_toml(self) -> str:
        """The sources as ``[[sources]]`` blocks, ready to paste into a config file."""
        blocks = []
        for src in self.sources():
            lines = ["[[sources]]"]
            for key, value in src.items():
                if isinstance(value, list):
                    lines.append(f"{key} = [" + ", ".join(json.dumps(v) for v in value) + "]")
                else:
                    lines.append(f"{key} = {json.dumps(value)}")
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks) + "\n"

    def config_toml(self, database: str | None = None, warc_dir: str | None = None) -> str:
        """A whole healthwire config for crawling this world: private addresses allowed
        (the world lives on 127.0.0.1, which production configs refuse) and every source."""
        parts = []
        archive = [f"{key} = {json.dumps(value)}"
                   for key, value in (("database", database), ("warc_dir", warc_dir)) if value]
        if archive:
            parts.append("[archive]\n" + "\n".join(archive) + "\n")
        parts.append("[crawl]\n# The sample world is served from 127.0.0.1.\n"
                     "allow_private_addresses = true\n")
        parts.append(self.sources_toml())
        return "\n".join(parts)

    def _require_running(self) -> None:
        if not self.bases:
            raise RuntimeError("SampleWorld is not running: call start() or use it with `with`")

