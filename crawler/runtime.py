"""What one crawl process shares: its configuration, archive engine, source, run and WARCs.

A crawl is one child process for one source; this object lives as long as its spider. It is
built from the environment the parent sets (``HEALTHWIRE_CONFIG``,
``HEALTHWIRE_DATABASE_URL``) so a plain ``scrapy crawl feed -a source=NAME`` works too.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from archive.config import Config, SourceConfig, load_config
from archive.db import open_archive, session_scope
from archive.models import CrawlRun, utcnow
from archive.sources import sync_sources
from archive.warc import WarcWriter


@dataclass
class Runtime:
    config: Config
    source: SourceConfig
    engine: Engine
    run_id: int
    warc: WarcWriter

    @classmethod
    def create(cls, source_name: str, run_id: str | int | None) -> Runtime:
        config = load_config(os.environ.get("HEALTHWIRE_CONFIG") or None)
        source = config.source(source_name)
        engine = open_archive(config.database_url())
        with session_scope(engine) as session:
            if run_id is None:
                # Started by hand (`scrapy crawl`): record the run ourselves.
                sync_sources(session, config)
                from archive.sources import source_row

                run = CrawlRun(source_id=source_row(session, source.name).id, kind="crawl",
                               started_at=utcnow(), pid=os.getpid(), host=socket.gethostname())
                session.add(run)
                session.flush()
                run_id = run.id
            else:
                run = session.get(CrawlRun, int(run_id))
                if run is None:
                    raise ValueError(f"no crawl run {run_id} in the archive")
                run.pid = os.getpid()
        warc = WarcWriter(Path(config.archive.warc_dir), source.name,
                          config.archive.warc_max_bytes)
        return cls(config, source, engine, int(run_id), warc)

    def close(self) -> None:
        self.warc.close()
        self.engine.dispose()
