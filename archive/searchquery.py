"""The search query language, read the same way on every backend.

A query is words and ``"quoted phrases"``. Terms are ANDed; ``OR`` (any case) between two terms
makes either do; ``-word`` or ``-"a phrase"`` excludes articles that contain it. Everything else
is text: FTS5 syntax (``NEAR``, ``title:``, ``*``, ``^``, parentheses, ``AND``/``NOT``) and SQL
fragments are searched as words, never interpreted.

The query is parsed here, in Python, rather than handed to ``websearch_to_tsquery`` on
PostgreSQL and to FTS5 on SQLite, so that both backends read a query the same way and so that
a user's input can never reach either engine's own syntax: on SQLite every word of a term
goes inside an FTS5 string (``"..."`` with ``""`` escaping), on PostgreSQL every term is one
``phraseto_tsquery``, and on both the query text is a bound parameter. Terms with no letter
or digit and stop words are dropped on both backends alike (PostgreSQL's English stop list;
FTS5 has none of its own), and every such decision is reported in ``notes`` so the user sees
how the query was read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from archive.errors import ArchiveError

#: Longest query accepted, in characters: a query is a few words, not a document.
MAX_QUERY_CHARS = 1000
#: Most terms accepted: each one is a separate match in the engine.
MAX_TERMS = 32

SYNTAX_HINT = ('words are ANDed, "quoted phrases" match in order, OR between two terms '
               "matches either, -word excludes; see docs/search.md")

#: PostgreSQL's English stop words (``english.stop``, from Snowball): words too common to
#: index there. SQLite drops them from queries too, so both backends read a query alike.
_STOP_LIST = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
her hers herself it its itself they them their theirs themselves what which who whom this that
these those am is are was were be been being have has had having do does did doing a an the and
but if or because as until while of at by for with about against between into through during
before after above below to from up down in out on off over under again further then once here
there when where why how all any both each few more most other some such no nor not only own
same so than too very s t can will just don should now
"""
STOP_WORDS = frozenset(_STOP_LIST.split())

_QUOTES = '"“”„'
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    """One word or phrase to look for: ``text`` as typed (whitespace collapsed)."""

    text: str
    phrase: bool

    def show(self) -> str:
        """How the term reads back: phrases (and words with inner punctuation) quoted."""
        return f'"{self.text}"' if self.phrase or len(self.words()) > 1 else self.text

    def words(self) -> list[str]:
        """The term's words as the engines see them: runs of letters and digits."""
        return _WORD.findall(self.text.casefold())

    def fts5(self) -> str:
        """The term in FTS5 syntax, every word inside a quoted string.

        Stop words are left out as PostgreSQL leaves them out of a phrase: at the ends they
        go, inside they become a gap, so ``"patients in a trial"`` is
        ``NEAR("patients" "trial", 2)``: both words, at most two words apart (FTS5 cannot ask
        for exactly two, in order, as PostgreSQL does).
        """
        words = self.words()
        content = [i for i, word in enumerate(words) if word not in STOP_WORDS]
        chunks: list[list[str]] = [[]]
        for word in words[content[0]:content[-1] + 1]:
            if word not in STOP_WORDS:
                chunks[-1].append(word)
            elif chunks[-1]:
                chunks.append([])
        quoted = " ".join('"' + " ".join(chunk).replace('"', '""') + '"' for chunk in chunks)
        if len(chunks) == 1:
            return quoted
        # FTS5 counts every token between the first phrase and the last, middle ones too.
        between = content[-1] - content[0] + 1 - len(chunks[0]) - len(chunks[-1])
        return f"NEAR({quoted}, {between})"


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: every group must match (a group matches when any of its terms does),
    and no excluded term may."""

    text: str
    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def understood(self) -> str:
        """The query as read, in explicit form: ``a AND ("b c" OR d) NOT e``."""
        parts = []
        for group in self.groups:
            shown = " OR ".join(term.show() for term in group)
            parts.append(f"({shown})" if len(group) > 1 and len(self.groups) > 1 else shown)
        return " AND ".join(parts) + "".join(f" NOT {term.show()}" for term in self.excluded)

    def fts5(self) -> str:
        """The query as an FTS5 expression in which every term is a quoted string."""
        parts = []
        for group in self.groups:
            joined = " OR ".join(term.fts5() for term in group)
            parts.append(f"({joined})" if len(group) > 1 else joined)
        return " AND ".join(parts) + "".join(f" NOT {term.fts5()}" for term in self.excluded)

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "understood": self.understood(), "notes": list(self.notes)}


@dataclass(frozen=True)
class _Token:
    text: str
    phrase: bool = False
    negated: bool = False
    unclosed: bool = False


def _clean(raw: str, notes: list[str]) -> str:
    """NFC, with NUL and other control characters turned into spaces (PostgreSQL refuses NUL)."""
    text = unicodedata.normalize("NFC", raw)
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    if "\x00" in text:
        notes.append("removed NUL characters")
    return cleaned


def _tokens(text: str) -> list[_Token]:
    """Split into words, quoted phrases and their ``-`` signs; quotes never nest."""
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
        if text[i] in _QUOTES:
            end = next((j for j in range(i + 1, n) if text[j] in _QUOTES), n)
            out.append(_Token(" ".join(text[i + 1:end].split()), True, negated, end == n))
            i = end + 1
            continue
        end = next((j for j in range(i, n) if text[j].isspace() or text[j] in _QUOTES), n)
        out.append(_Token(text[i:end], False, negated))
        i = end
    return out


def _term(token: _Token, notes: list[str]) -> Term | None:
    """The token as a term, or None (with a note) when it holds nothing the engines index."""
    term = Term(token.text, token.phrase)
    shown = term.show() if token.text else '""'
    words = term.words()
    if not words:
        notes.append(f"ignored {shown}: no letters or digits")
        return None
    if all(word in STOP_WORDS for word in words):
        notes.append(f"ignored {shown}: too common to search for (a stop word)")
        return None
    return term


def parse_query(raw: str) -> SearchQuery:
    """Read a user's query; raise :class:`ArchiveError` when nothing in it can be searched."""
    if len(raw) > MAX_QUERY_CHARS:
        raise ArchiveError(f"the search query is {len(raw):,} characters long; the limit is "
                           f"{MAX_QUERY_CHARS:,}", hint="search for a few distinctive words or "
                           "a short quoted phrase")
    notes: list[str] = []
    text = _clean(raw, notes)
    if not text.strip():
        raise ArchiveError("the search query is empty",
                           hint='give words to look for, e.g. remission "clinical trial"')
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = last_was_group = False
    for token in _tokens(text):
        if token.unclosed:
            notes.append(f'unclosed quote: read "{token.text}" as a phrase')
        if not token.phrase and not token.negated and token.text.casefold() == "or":
            if last_was_group and not pending_or:
                pending_or = True
            else:
                notes.append("ignored OR: it needs a term to look for on each side")
            continue
        term = _term(token, notes)
        if term is None:
            continue
        if token.negated:
            if pending_or:
                notes.append(f"read OR -{term.show()} as NOT {term.show()}")
                pending_or = False
            excluded.append(term)
            last_was_group = False
        elif pending_or:
            groups[-1].append(term)
            pending_or = False
        else:
            groups.append([term])
            last_was_group = True
    if pending_or:
        notes.append("ignored OR at the end: it needs a term on each side")
    count = sum(len(g) for g in groups) + len(excluded)
    if count > MAX_TERMS:
        raise ArchiveError(f"the search query has {count} terms; the limit is {MAX_TERMS}",
                           hint="search for fewer, more distinctive words")
    if not groups:
        what = "only excludes words" if excluded else "has no word to search for"
        raise ArchiveError(f"the search query {_quote(raw)} {what}",
                           hint=("; ".join(notes) + "; " if notes else "") + SYNTAX_HINT)
    return SearchQuery(raw, tuple(tuple(g) for g in groups), tuple(excluded), tuple(notes))


def _quote(raw: str, width: int = 60) -> str:
    """The user's query for a message: one line, at most ``width`` characters."""
    flat = " ".join(_clean(raw, []).split())
    return repr(flat if len(flat) <= width else flat[: width - 1] + "…")
