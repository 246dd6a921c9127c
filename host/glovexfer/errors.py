"""Errors that name where bad input came from: the file, the field, the stage."""

from __future__ import annotations


class GloveXferError(Exception):
    """Base class; the CLI prints ``error: <message>`` and exits with status 2."""


class DataFormatError(GloveXferError):
    """A data file is malformed.  The message names the file, the line and the field."""

    def __init__(self, path, message: str, line: int | None = None, field: str | None = None):
        where = str(path)
        if line is not None:
            where += f":{line}"
        if field is not None:
            where += f" [{field}]"
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line
        self.field = field


class DataNotFoundError(GloveXferError):
    """A public data set is not where we looked; the message says how to point at it."""


class PipelineError(GloveXferError):
    """A pipeline stage got input it cannot use (e.g. NaN); the message names the stage."""

    def __init__(self, stage: str, message: str):
        super().__init__(f"stage '{stage}': {message}")
        self.stage = stage
