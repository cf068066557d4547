"""Errors a user can act on.

Every error the CLI shows a user is an :class:`ArchiveError` (or a subclass): it says what is
wrong, where, and what to do. Anything else reaching the top level is a bug and is reported as
one, with the traceback in the log, never in place of a message.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """A failure with a message for people: what went wrong, where, and what to do."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(ArchiveError):
    """The configuration file cannot be used; nothing of it was applied."""


class SchemaError(ArchiveError):
    """The archive's schema is missing, behind, or ahead of this version of healthwire."""
