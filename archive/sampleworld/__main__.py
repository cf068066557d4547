"""``python -m archive.sampleworld [--stall SECONDS]``: serve the world in the foreground.

Prints each site's base URL and the sources as TOML, so a config for a local crawl can be
pasted from the output (or written whole with ``--config-out``); runs until SIGINT or SIGTERM
and then exits 0.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from archive.sampleworld.server import SampleWorld


def main(argv: list[str] | None = None) -> int:
    """Serve until a signal arrives; exit status 0 on a clean stop."""
    parser = argparse.ArgumentParser(prog="python -m archive.sampleworld",
                                     description="Serve healthwire's offline sample world.")
    parser.add_argument("--stall", type=float, default=60.0, metavar="SECONDS",
                        help="how long the stalling route waits before answering (default 60)")
    parser.add_argument("--config-out", type=Path, metavar="PATH",
                        help="also write a complete healthwire config for crawling the world")
    parser.add_argument("--database", metavar="URL", help="[archive] database for --config-out")
    parser.add_argument("--warc-dir", metavar="DIR", help="[archive] warc_dir for --config-out")
    args = parser.parse_args(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    world = SampleWorld(stall_seconds=args.stall).start()
    try:
        print("# healthwire sample world: sites")
        for site in world.sites:
            print(f"# {site:<18} {world.base_url(site):<26} {world.outlets[site]}")
        print()
        print(world.sources_toml(), end="")
        if args.config_out:
            args.config_out.parent.mkdir(parents=True, exist_ok=True)
            args.config_out.write_text(world.config_toml(args.database, args.warc_dir), "utf-8")
            print(f"# config written to {args.config_out}")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        world.stop()
    print("# sample world stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
