"""Crawl throughput: healthwire's crawl (fetch, capture to WARC, extract, store) against a bare
Scrapy spider that only downloads the same pages, in the same run, from the same local mirror.

    python benchmarks/crawl.py [--pages 2000] [--repeat 3]

The mirror serves article pages built from the real article text in ../shared/corpora (or
generated prose when the corpora are absent) from 127.0.0.1. Politeness limits are lifted for
both crawlers alike (16 concurrent requests per domain, no AutoThrottle, no delays), so the
comparison measures the work per page, not the waiting. Prints pages per second for both,
their ratio per repetition, and medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.helpers import write_config  # noqa: E402

CORPORA = Path(os.environ.get("HEALTHWIRE_CORPORA", REPO.parent / "shared" / "corpora"))


def corpus_texts() -> list[tuple[str, list[str]]]:
    index = CORPORA / "news-pages" / "index.jsonl"
    if not index.exists():
        return [(f"Generated story {i}", [f"Paragraph {j} of generated story {i} about public "
                                          f"health, with enough words to be an article body "
                                          f"that extraction keeps as main text." for j in range(8)])
                for i in range(50)]
    out = []
    for line in index.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        paragraphs = [p for p in record.get("paragraphs", []) if p.strip()]
        if len(paragraphs) >= 3:
            out.append((record["title"], paragraphs))
    return out


def build_pages(count: int) -> dict[str, bytes]:
    texts = corpus_texts()
    pages: dict[str, bytes] = {}
    for i in range(count):
        title, paragraphs = texts[i % len(texts)]
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        pages[f"/a/{i}"] = (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} '
            f'({i})</title><meta property="og:type" content="article"><meta property='
            f'"article:published_time" content="2022-06-{1 + i % 28:02d}T10:00:00Z"></head>'
            f"<body><header><nav><a href='/'>Home</a></nav></header><article><h1>{title} "
            f"({i})</h1>{body}</article><footer>Mirror</footer></body></html>"
        ).encode()
    return pages


def serve(pages: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            body = pages.get(self.path)
            if self.path == "/robots.txt":
                body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
            else:
                ctype = "text/html; charset=utf-8"
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


BARE_SPIDER = textwrap.dedent(
    """
    import scrapy

    class Bare(scrapy.Spider):
        name = "bare"
        custom_settings = {
            "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
            "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": True, "LOG_LEVEL": "WARNING",
            "TELNETCONSOLE_ENABLED": False, "COOKIES_ENABLED": False,
        }

        def __init__(self, urls_file, **kw):
            super().__init__(**kw)
            self.urls = open(urls_file).read().split()

        async def start(self):
            for url in self.urls:
                yield scrapy.Request(url, callback=self.parse)

        def parse(self, response):
            yield {"url": response.url, "bytes": len(response.body)}
    """
)


def run_bare(folder: Path, urls: list[str]) -> float:
    spider = folder / "bare_spider.py"
    spider.write_text(BARE_SPIDER, encoding="utf-8")
    urls_file = folder / "urls.txt"
    urls_file.write_text("\n".join(urls), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scrapy", "runspider", str(spider), "-a",
                    f"urls_file={urls_file}"], check=True, cwd=folder, env=env,
                   capture_output=True)
    return time.perf_counter() - started


def run_healthwire(folder: Path, urls: list[str]) -> tuple[float, dict]:
    urls_file = folder / "urls.txt"
    urls_file.write_text("\n".join(urls), encoding="utf-8")
    db = folder / "bench.sqlite3"
    config = write_config(
        folder / "healthwire.toml", f"sqlite:///{db}",
        [{"name": "mirror", "outlet": "Mirror", "kind": "urls", "urls_file": str(urls_file),
          "max_articles": len(urls) + 10}],
        concurrent_requests_per_domain=16, download_timeout=30.0, follow_citations=False,
    )
    cli = [sys.executable, "-m", "archive.cli", "--config", str(config)]
    subprocess.run([*cli, "init"], check=True, cwd=folder, capture_output=True)
    result = subprocess.run([*cli, "crawl", "--json"], cwd=folder, capture_output=True,
                            text=True)
    if result.returncode != 0:
        raise SystemExit(f"healthwire crawl failed:\n{result.stderr}\n{result.stdout[-2000:]}")
    report = json.loads(result.stdout)
    run = report["runs"][0]
    # The crawl child's own wall time, start-up included as for the bare spider; the linking
    # that `healthwire crawl` does afterwards is measured by benchmarks/link_scale.py.
    return run["seconds"], {**run["counters"], "link_seconds": report["linking"]["seconds"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    pages = build_pages(args.pages)
    server = serve(pages)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = [base + path for path in pages]
    size = sum(len(b) for b in pages.values())
    print(f"mirror: {len(pages)} pages, {size / 1e6:.1f} MB, served from {base}")
    print(f"corpora: {'real article text' if (CORPORA / 'news-pages').exists() else 'generated'}")
    bare_rates, hw_rates, ratios = [], [], []
    for rep in range(1, args.repeat + 1):
        with tempfile.TemporaryDirectory() as tmp:
            bare = run_bare(Path(tmp), urls)
        with tempfile.TemporaryDirectory() as tmp:
            hw, counters = run_healthwire(Path(tmp), urls)
        bare_rate, hw_rate = len(urls) / bare, len(urls) / hw
        bare_rates.append(bare_rate)
        hw_rates.append(hw_rate)
        ratios.append(hw_rate / bare_rate)
        print(f"run {rep}: bare scrapy {bare_rate:7.1f} pages/s ({bare:.1f} s) | healthwire "
              f"{hw_rate:7.1f} pages/s ({hw:.1f} s, {counters['new_articles']} articles, "
              f"{counters['errors']} errors; then linking {counters['link_seconds']:.1f} s) "
              f"| ratio {hw_rate / bare_rate:.2f}")
    print(f"median: bare scrapy {statistics.median(bare_rates):.1f} pages/s, healthwire "
          f"{statistics.median(hw_rates):.1f} pages/s, ratio {statistics.median(ratios):.2f} "
          f"(goal >= 0.50)")
    server.shutdown()


if __name__ == "__main__":
    main()
