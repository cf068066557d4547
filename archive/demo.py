"""The main job, offline: the whole pipeline on the bundled sample sites.

It serves the sample world (``archive.sampleworld``) on 127.0.0.1, writes a configuration for
it into its own folder (``data/demo`` by default), creates the archive there, crawls every
source in child processes exactly as ``healthwire crawl`` does, links, and shows where the
seed-like aggregator page came from. It needs no network and touches nothing outside its
folder, so a new user can see what healthwire does before pointing it at the real web.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from archive.sampleworld import SampleWorld

#: The demo keeps the world's deliberately stalling page short, and the crawler's time-out
#: shorter, so the demo shows a recorded time-out without waiting half a minute for it.
STALL_SECONDS = 6.0
DEMO_TIMEOUT = 4


MARKER = "# Written by `healthwire demo`"


def fresh_demo_dir(folder: Path) -> bool:
    """Clear a previous demo run from ``folder`` (only if a demo wrote it); True if cleared.

    The sample world gets new ports on every run, so its pages get new URLs: an old demo
    archive would only hold stale copies of them.
    """
    config = folder / "healthwire.toml"
    if not config.exists() or not config.read_text(encoding="utf-8").startswith(MARKER):
        return False
    for name in ("healthwire.sqlite3", "healthwire.sqlite3-wal", "healthwire.sqlite3-shm"):
        (folder / name).unlink(missing_ok=True)
    for sub in ("warc", "logs", "healthwire.sqlite3.locks"):
        if (folder / sub).is_dir():
            shutil.rmtree(folder / sub)
    return True


def demo_config(world: SampleWorld, folder: Path, database_url: str) -> Path:
    """Write a complete configuration for crawling ``world`` into ``folder``."""
    text = world.config_toml(database_url, str(folder / "warc"))
    text = text.replace(
        "[crawl]\n",
        "[crawl]\n"
        'user_agent = "healthwire-demo/0.1 (+https://example.org/healthwire; offline demo)"\n'
        f"download_timeout = {DEMO_TIMEOUT}\nretry_times = 1\nautothrottle = false\n",
        1,
    )
    path = folder / "healthwire.toml"
    path.write_text(
        f"{MARKER} for the sample world it serves; ports change per run.\n"
        + text,
        encoding="utf-8",
    )
    return path


def seed_url(world: SampleWorld) -> str:
    """The URL of the seed-like aggregator page in the running world."""
    truth = world.truth()
    seed_id = truth["story"]["seed"]["id"]
    return next(a["url"] for a in truth["articles"] if a["id"] == seed_id)
