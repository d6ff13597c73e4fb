"""Reading a file's bytes into text and back, keeping its encoding and BOM (no LibCST).

Line endings are never translated: the text keeps `\\r\\n` or `\\r` as they are on disk, so a
fix that edits one line leaves every other byte of the file alone.
"""

from __future__ import annotations

import ast
import codecs
import io
import re
import tokenize
import warnings
from dataclasses import dataclass
from typing import Optional

MAX_FILE_BYTES = 16 * 1024 * 1024  # larger files are generated code; reading them stalls a run


class SourceError(Exception):
    """A file bglint cannot read as Python text; `str(err)` is a one-line reason."""


@dataclass(frozen=True)
class SourceFile:
    """A file's bytes and their decoded text, with what writing it back must keep."""

    path: str
    raw: bytes
    text: str
    encoding: str
    bom: bool
    # False when comments hold bytes that are not valid in `encoding` (CPython never decodes
    # a comment): `text` has U+FFFD there, so the file is analysed but never written back
    lossless: bool = True

    def encode(self, text: str) -> bytes:
        """The bytes to write for `text`, in this file's encoding and with its BOM."""
        data = text.encode(self.encoding)
        return (codecs.BOM_UTF8 + data) if self.bom else data


def is_binary(raw: bytes) -> bool:
    return b"\0" in raw[:8192]


def decode_source(raw: bytes, path: str) -> SourceFile:
    """Decode as Python does: a BOM or a coding cookie names the encoding, else UTF-8."""
    if is_binary(raw):
        raise SourceError("binary file (contains a NUL byte); skipped")
    if len(raw) > MAX_FILE_BYTES:
        raise SourceError(
            f"file is over the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit for Python source "
            "(readers stop there); skipped"
        )
    bom = raw.startswith(codecs.BOM_UTF8)
    body = raw[len(codecs.BOM_UTF8) :] if bom else raw
    encoding = _declared_encoding(raw, body)
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as err:
        if _python_reads(raw):  # the bad bytes are in comments
            text = body.decode(encoding, "replace")
            return SourceFile(path, raw, text, encoding, bom, lossless=False)
        declared = "" if encoding == "utf-8" else f" as declared by its coding cookie ({encoding})"
        raise SourceError(
            f"not valid {encoding.upper() if encoding == 'utf-8' else encoding} text{declared}: "
            f"byte {body[err.start]:#04x} at offset {err.start + (3 if bom else 0)}; "
            "add a `# -*- coding: ... -*-` line or re-save the file as UTF-8"
        ) from None
    except (LookupError, UnicodeError) as err:  # `# coding: rot13`, `undefined`: Python rejects too
        raise SourceError(f"the coding cookie names no usable text encoding: {err}") from None
    return SourceFile(path=path, raw=raw, text=text, encoding=encoding, bom=bom)


def _declared_encoding(raw: bytes, body: bytes) -> str:
    """The encoding Python reads `raw` in; a `SourceError` when Python rejects the declaration."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as err:
        message = str(err)
        if message.startswith("invalid or missing encoding declaration"):
            # a first or second line that is not UTF-8: `tokenize` gives up, CPython still
            # reads a cookie there; without one, decoding as UTF-8 names the byte
            return _cookie_in_raw_lines(body) or "utf-8"
        if message.startswith("encoding problem"):  # a BOM and a cookie naming another codec
            cookie, _ = tokenize.detect_encoding(io.BytesIO(body).readline)
            raise SourceError(
                f"the file starts with a UTF-8 BOM but its coding cookie names {cookie}; "
                "Python rejects it: remove the BOM or the cookie"
            ) from None
        raise SourceError(message) from None  # "unknown encoding: klingon"
    return encoding


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")


def _cookie_in_raw_lines(body: bytes) -> Optional[str]:
    """The codec a PEP 263 cookie names in the first line, or in the second after a blank or
    comment line, read as bytes (as CPython reads them); None when there is no cookie."""
    lines = body.splitlines(keepends=True)[:2]
    for number, line in enumerate(lines):
        found = _COOKIE.match(line)
        if found is not None:
            name = found.group(1).decode("ascii")
            try:
                return codecs.lookup(name).name
            except LookupError:
                raise SourceError(f"unknown encoding: {name}") from None
        if number == 0 and not _BLANK.match(line):
            return None
    return None


def _python_reads(raw: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(raw)  # bytes: Python's own decoding rules
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def read_source(path: str) -> SourceFile:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise SourceError(f"cannot read: {err.strerror or err}") from None
    return decode_source(raw, path)
