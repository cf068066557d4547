"""Where an export goes: standard output, or a file written whole or not at all.

A file is written as ``FILE.part`` next to it and renamed over ``FILE`` only when the export
has finished, so a reader (or a script waiting for the file) never sees half an export, and a
failed export leaves the old ``FILE`` as it was and no ``.part`` behind. Everything that can be
checked before writing (kind, format, filters, the outlet, the folder) is checked first.
"""

from __future__ import annotations

import contextlib
import io
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from sqlalchemy.engine import Engine

from archive.errors import ArchiveError
from archive.export import BINARY_FORMATS, Written, check, export, resolve
from archive.filters import Filters


def part_path(path: Path) -> Path:
    """The temporary name an export is written under before it is renamed to ``path``."""
    return path.with_name(path.name + ".part")


def check_output(fmt: str, path: Path | None) -> None:
    """Refuse outputs that cannot work, before any row is read."""
    if path is None:
        if fmt in BINARY_FORMATS:
            raise ArchiveError(f"{fmt} cannot be written to standard output",
                               hint=f"give a file: -o FILE.{fmt}")
        return
    try:
        is_dir, parent_is_dir = path.is_dir(), path.parent.is_dir()
    except OSError as exc:  # a name too long, a loop of symbolic links
        raise _cannot_write(path, exc) from exc
    if is_dir:
        raise ArchiveError(f"cannot write the export to {path}: it is a folder",
                           hint="give a file name, e.g. -o export.csv")
    if not parent_is_dir:
        raise ArchiveError(f"cannot write the export to {path}: folder {path.parent} "
                           "does not exist", hint="create the folder first or choose another")


def _cannot_write(path: Path, exc: OSError) -> ArchiveError:
    reason = exc.strerror or str(exc)
    return ArchiveError(f"cannot write the export to {path}: {reason}",
                        hint="choose a writable place with -o")


def export_to(engine: Engine, kind: str, fmt: str, path: Path | None,
              filters: Filters | None = None) -> Written:
    """Export to ``path`` (atomically, through ``path.part``) or to standard output."""
    check(kind, fmt)
    check_output(fmt, path)
    scope = resolve(engine, filters)
    if path is None:
        out = sys.stdout
        if isinstance(out, io.TextIOWrapper):
            out.reconfigure(encoding="utf-8")  # the data's encoding, whatever the locale says
        return export(engine, kind, fmt, out, scope)
    tmp = part_path(path)
    binary = fmt in BINARY_FORMATS
    try:
        fh = tmp.open("wb") if binary else tmp.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    try:
        with _sigterm_as_exit(), fh:
            written = export(engine, kind, fmt, fh, scope)
        tmp.replace(path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
            raise _cannot_write(path, exc) from exc
        raise
    return written


@contextlib.contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into SystemExit while a file is written, so a stopped export (a time
    limit, a shutdown) still removes its ``.part`` on the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
