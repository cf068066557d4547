"""Bytes to text: the page's charset is a claim to check, not a fact.

Servers and pages often declare the wrong charset (a UTF-8 page served as ISO-8859-1), declare
none, or send something that is not text at all. A wrong guess garbles every quote and credit
downstream, so the declared charset is only trusted when the bytes agree with it.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

MAX_BYTES = 4_000_000
"""Pages above this size are cut: extraction time and memory must stay bounded."""

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32)])
_HTML_TYPES = ("text/html", "application/xhtml", "text/plain", "application/xml", "text/xml")


@dataclass
class Decoded:
    """Decoded text, the encoding actually used, and what went wrong on the way."""

    text: str
    encoding: str | None
    is_binary: bool = False
    problems: list[str] = field(default_factory=list)


def _codec(name: str | None) -> str | None:
    """Return Python's canonical codec name for a declared charset, or None if unknown."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def looks_binary(data: bytes) -> bool:
    """Guess whether bytes are not text: NUL bytes or many control characters near the start."""
    sample = data[:4096]
    if not sample:
        return False
    if sample.startswith((b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04")):
        return True
    if any(sample.startswith(bom) for bom, _ in _BOMS[1:]):
        return False  # UTF-16/32 text has NULs by design
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return b"\x00" in sample or controls / len(sample) > 0.05


def decode_body(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode page bytes into text, recording any disagreement with the declared charset.

    Order: byte-order mark; else strict UTF-8 when the bytes are valid UTF-8 (a wrong
    declaration of a legacy charset is the common case, the reverse almost never decodes);
    else the declared charset (HTTP header, then <meta>); else cp1252, which decodes any byte.
    """
    problems: list[str] = []
    if len(body) > MAX_BYTES:
        problems.append(f"page of {len(body)} bytes truncated to {MAX_BYTES} bytes")
        body = body[:MAX_BYTES]
    if content_type and not content_type.lower().strip().startswith(_HTML_TYPES):
        problems.append(f"content type {content_type.split(';')[0].strip()} is not HTML")

    for bom, name in _BOMS:
        if body.startswith(bom):
            return Decoded(body.decode(name, errors="replace"), name, False, problems)

    if looks_binary(body):
        problems.append("binary content: not a text page")
        text = body.decode("utf-8", errors="replace")
        text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]+", " ", text)
        return Decoded(text, None, True, problems)

    header_cs = None
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        header_cs = m.group(1) if m else None
    m = _META_CHARSET.search(body[:8192])
    meta_cs = m.group(1).decode("ascii", "ignore") if m else None
    declared_raw = header_cs or meta_cs
    declared = _codec(declared_raw)
    if declared_raw and declared is None:
        problems.append(f"declared charset {declared_raw} is unknown")

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        if declared and declared != "utf-8" and not body.isascii():
            problems.append(f"declared charset {declared_raw} was wrong; decoded as utf-8")
        return Decoded(text, "utf-8", False, problems)

    if declared and declared not in ("utf-8", "utf-16", "utf-32"):
        try:
            return Decoded(body.decode(declared), declared, False, problems)
        except UnicodeDecodeError:
            problems.append(f"declared charset {declared_raw} does not fit the bytes")
    elif declared:
        problems.append(f"declared charset {declared_raw} was wrong; decoded as cp1252")
    else:
        problems.append("no valid charset declared and not utf-8; decoded as cp1252")
    # cp1252 leaves five bytes undefined; latin-1 maps them, so nothing is ever lost.
    text = body.decode("cp1252", errors="replace")
    return Decoded(text, "cp1252", False, problems)
