"""flake8 adapter: the same engine, codes, messages and positions as `bglint check`.

flake8 hands over the file's lines; the prefilter runs on them first, so a file without
background work costs a substring scan and no parse (nor any import beyond this module and the
prefilter). A file that may hold a site is checked with the settings of its nearest bglint
configuration (`[tool.bglint]` or `bglint.toml`: `select`, `ignore`, `per-file-ignores`,
`exclude`, `fastapi-version`, ...), exactly as `bglint check` would check it, so both agree;
flake8's own `--select`, `--extend-ignore`, `--per-file-ignores` and `# noqa` then apply on
top. One engine per configuration lives as long as the flake8 process, so the index of
project modules (a task function in `tasks.py`) is built once, not once per file. flake8
reports a file that does not parse as E999 and runs no plugin on it, so BG000 never shows here.
Columns: flake8's are 0-based, ours 1-based.
"""

from __future__ import annotations

import gc
import io
import tokenize
from typing import Dict, Iterator, List, Tuple

from bglint import __version__
from bglint.catalogue import READ_KINDS
from bglint.prefilter import may_hold_site, words_for

_WORDS = words_for(READ_KINDS)


def _encode(lines: List[str], text: str) -> bytes:
    """The file's bytes again, in the encoding its coding cookie names (flake8 decoded them)."""
    try:
        head = "".join(lines[:2]).encode("utf-8", "surrogatepass")
        encoding, _ = tokenize.detect_encoding(io.BytesIO(head).readline)
        return text.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    except (SyntaxError, LookupError, UnicodeError):
        return text.encode("utf-8", "surrogatepass")


def _load_engine():
    """The engine class, imported on the first file that may hold a site.

    LibCST, the model and the rules are some 25,000 objects that live as long as the process.
    flake8's own garbage brings a full collection every few files, and each walked them all
    again: with them frozen after one collection, a `-j1` run over fastapi and open-webui spent
    4.1-4.5 s in the collector instead of 7.0-7.4 s (3.6-5.0 s without the plugin)."""
    from bglint.runner import Engine

    gc.collect()
    gc.freeze()
    return Engine


def _freeze() -> None:
    """Keep what the engine holds (its index) out of every later collection. Collected first,
    so that no garbage is frozen with it; everything older is frozen already, so the collection
    walks only what is new since the last file with sites."""
    gc.collect()
    gc.freeze()


class BglintChecker:
    name = "bglint"
    version = __version__
    _engines: Dict[object, object] = {}  # Settings -> runner.Engine, for this flake8 process
    _engine_class = None

    def __init__(self, tree, filename: str, lines: List[str]) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        text = "".join(self.lines)
        # A site's words are in the text, so the text as UTF-8 (a copy, for ASCII text) passes
        # every file the engine can report on; only those are encoded as the file was.
        if not may_hold_site(text.encode("utf-8", "surrogatepass"), READ_KINDS, _WORDS):
            return
        from bglint.config import settings_for_file
        from bglint.workers import gc_paused

        settings, excluded = settings_for_file(self.filename)
        if excluded:
            return
        engine = self._engines.get(settings)
        if engine is None:
            if BglintChecker._engine_class is None:
                BglintChecker._engine_class = _load_engine()
            engine = self._engines[settings] = BglintChecker._engine_class(settings)
        with gc_paused():
            result = engine.check_bytes(_encode(self.lines, text), self.filename)
        _freeze()
        for diagnostic in result.diagnostics:
            text = f"{diagnostic.code} {diagnostic.message}"
            yield diagnostic.start.row, diagnostic.start.column - 1, text, type(self)
