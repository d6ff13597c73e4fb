"""flake8 adapter: the same engine, codes, messages and positions as `bglint check`.

flake8 hands over the file's lines; the prefilter runs on them first, so a file without
background work costs a substring scan and no parse. flake8 handles `# noqa` and selection;
its columns are 0-based, ours 1-based.
"""

from __future__ import annotations

from typing import Iterator, List, Tuple

from bglint import __version__
from bglint.prefilter import may_hold_site


class BglintChecker:
    name = "bglint"
    version = __version__

    def __init__(self, tree, filename: str, lines: List[str]) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        raw = "".join(self.lines).encode("utf-8", "surrogatepass")
        if not may_hold_site(raw):
            return
        from bglint.runner import check_source
        from bglint.settings import Settings

        result = check_source(raw, self.filename, Settings(select=("ALL",)))
        for diagnostic in result.diagnostics:
            text = f"{diagnostic.code} {diagnostic.message}"
            yield diagnostic.start.row, diagnostic.start.column - 1, text, type(self)
