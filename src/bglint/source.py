"""Reading a file's bytes into text and back, keeping its encoding and BOM (no LibCST).

Line endings are never translated: the text keeps `\\r\\n` or `\\r` as they are on disk, so a
fix that edits one line leaves every other byte of the file alone.
"""

from __future__ import annotations

import codecs
import io
import tokenize
from dataclasses import dataclass

MAX_FILE_BYTES = 16 * 1024 * 1024  # larger files are generated code; reading them stalls a run


class SourceError(Exception):
    """A file bglint cannot read as Python text; `str(err)` is a one-line reason."""


@dataclass(frozen=True)
class SourceFile:
    path: str
    raw: bytes
    text: str
    encoding: str
    bom: bool

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
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as err:
        raise SourceError(f"unknown encoding: {err}") from None
    bom = raw.startswith(codecs.BOM_UTF8)
    body = raw[len(codecs.BOM_UTF8) :] if bom else raw
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as err:
        declared = "" if encoding == "utf-8" else f" as declared by its coding cookie ({encoding})"
        raise SourceError(
            f"not valid {encoding.upper() if encoding == 'utf-8' else encoding} text{declared}: "
            f"byte {body[err.start]:#04x} at offset {err.start + (3 if bom else 0)}; "
            "add a `# -*- coding: ... -*-` line or re-save the file as UTF-8"
        ) from None
    except (LookupError, UnicodeError) as err:  # `# coding: rot13`, `undefined`: Python rejects too
        raise SourceError(f"the coding cookie names no usable text encoding: {err}") from None
    return SourceFile(path=path, raw=raw, text=text, encoding=encoding, bom=bom)


def read_source(path: str) -> SourceFile:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise SourceError(f"cannot read: {err.strerror or err}") from None
    return decode_source(raw, path)
