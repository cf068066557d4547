"""docs/research.md is followed to the letter: every command on a new demo archive, and the
output it shows, line for line, except what a new run cannot repeat (fetch times, WARC record
ids and file names, story numbers).

The demo serves the sample sites on fixed ports so the page's URLs are the URLs a reader gets;
if those ports are taken the demo moves to free ones and this test skips.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.helpers import healthwire

pytestmark = pytest.mark.slow

DOC = REPO_ROOT / "docs" / "research.md"
#: Output a new run cannot repeat: times the archive made, WARC ids and files, story numbers.
VOLATILE = re.compile(r"2026-|urn:uuid|\.warc|^│ \d+\s+│|^story \d+:|^\.\.\.$|^┃ fetched")


def doc_commands() -> list[tuple[str, list[str]]]:
    """(command, output lines shown after it) for every ``$ `` line in a code block."""
    commands: list[tuple[str, list[str]]] = []
    in_block = False
    lines = DOC.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith("```"):
            in_block = not in_block
            continue
        if not (in_block and line.startswith("$ ")):
            if in_block and commands:
                commands[-1][1].append(line.rstrip())
            continue
        command = line[2:]
        while True:
            try:
                shlex.split(command)
                break
            except ValueError:  # an open quote: the command goes on on the next line
                command += "\n" + lines[i]
                i += 1
        commands.append((command, []))
    return commands


def prelude() -> str:
    """The page's set-up block (the `hw` function and $SEED), as the reader types it."""
    text = DOC.read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return "\n".join(line for line in block.splitlines()
                     if line.startswith(("hw()", "SEED=")))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("research-doc")
    result = healthwire("demo", "--dir", "data/demo", cwd=folder)
    assert result.returncode == 0, result.stderr[-3000:]
    if "free ports instead" in result.stdout:
        pytest.skip("the demo's fixed ports are taken on this machine")
    return folder


def run_shell(demo: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("HEALTHWIRE_DATABASE_URL", None)
    return subprocess.run(["bash", "-c", f"{prelude()}\n{command}"], cwd=demo, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_page_has_its_commands() -> None:
    commands = [c for c, _ in doc_commands()]
    for name in ("search", "chain", "origin", "cite", "stories", "outlets", "stats",
                 "plot chain", "plot lag", "export"):
        assert any(c.startswith(f"hw {name}") for c in commands), name


def test_every_command_gives_the_output_shown(demo: Path) -> None:
    checked = 0
    for command, shown in doc_commands():
        if command.startswith("warcio"):
            continue  # names the reader's own WARC file: see the next test
        result = run_shell(demo, command)
        assert result.returncode == 0, (command, result.stderr)
        got = {line.rstrip() for line in (result.stdout + result.stderr).splitlines()}
        for line in shown:
            if line.strip() and not VOLATILE.search(line):
                assert line in got, f"{command!r} no longer prints {line!r}"
                checked += 1
    assert checked >= 80  # the page shows about a hundred stable lines


def test_a_citation_can_be_checked_with_warcio(demo: Path) -> None:
    """What section 5 promises: warcio, given the cited file and offset, returns the bytes
    whose sha256 the citation states."""
    cite = run_shell(demo, "hw cite $SEED --json")
    assert cite.returncode == 0, cite.stderr
    cited = json.loads(cite.stdout)
    record = cited["captures"][0]
    digest = run_shell(demo, f"warcio extract --payload {record['warc_file']} "
                             f"{record['warc_offset']} | sha256sum")
    assert digest.returncode == 0, digest.stderr
    assert digest.stdout.split()[0] == record["sha256"]
    assert record["sha256"] in cited["citation"] and record["warc_record_id"] in cited["citation"]
