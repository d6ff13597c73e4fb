"""BG000 syntax-error."""

from __future__ import annotations

from typing import Iterator

from bglint.index import Index
from bglint.model import View
from bglint.rules.base import Finding, Rule


class SyntaxErrorInFile(Rule):
    """## What it does
    Checks for files that bglint cannot parse: a syntax error, or bytes that are not valid
    UTF-8 and have no coding cookie naming their encoding. The finding carries the parser's
    message and position, and the run goes on to the other files.
    It also marks a file bglint could not finish: an internal error (a bglint bug: the
    message names the exception and where to report it), a file past the per-file time
    limit of 20 s, a function over 128 KiB of source, or a function that nests too deeply
    for the analysis (a chain of hundreds of operators or calls); the lines of such a
    function are not analysed.

    ## Why is this bad?
    Python cannot import such a file, and bglint cannot look for background-task mistakes in
    it, so a finding there would be missed silently without this report.

    ## Example
    ```python
    from fastapi import BackgroundTasks

    def signup(email: str, background_tasks: BackgroundTasks:
        background_tasks.add_task(print, email)
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks


    def signup(email: str, background_tasks: BackgroundTasks):
        background_tasks.add_task(print, email)
    ```

    ## Versions
    All versions. bglint parses with the running Python's grammar, so syntax newer than the
    interpreter that runs bglint is reported here.

    ## Known problems
    Only files the prefilter lets through are parsed (those that mention background work), so
    a syntax error in another file is left to the other linters.

    ## References
    - [Python: Lexical analysis](https://docs.python.org/3/reference/lexical_analysis.html)
    """

    code = "BG000"
    name = "syntax-error"
    message = "{problem}"

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        # The runner reports BG000 when `ast` or LibCST rejects the source: a file that does
        # not parse never becomes a view, so there is nothing to check here.
        return iter(())
