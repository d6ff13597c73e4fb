"""Applying fixes to source text: row/column edits, overlap resolution, re-parse check.

Columns are 1-based characters; rows count lines the way Python's tokenizer does (`\\r\\n`,
`\\r` and `\\n` each end a line), so positions from `ast` and LibCST agree with these offsets.
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import List, Optional, Sequence, Tuple

from bglint.diagnostics import Edit, Fix, Location

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def split_lines(text: str) -> List[str]:
    """Lines with their endings kept, split exactly where Python's tokenizer splits them."""
    return _LINE.findall(text)


def _line_starts(text: str) -> List[int]:
    starts, offset = [0], 0
    for line in split_lines(text):
        offset += len(line)
        starts.append(offset)
    return starts


def _offset(starts: Sequence[int], location: Location) -> int:
    row = min(max(location.row, 1), len(starts))
    return starts[row - 1] + location.column - 1


def parse(text: str) -> Optional[ast.Module]:
    """The text's `ast` tree, or None when Python cannot parse it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def apply_fixes(text: str, fixes: Sequence[Fix]) -> Tuple[str, int, Optional[ast.Module]]:
    """Apply every fix whose edits overlap no earlier accepted fix; return the text, the count
    and the new text's `ast` tree (None when no fix applied), which the re-analysis reuses.

    A fix whose result does not re-parse is dropped on its own and the rest kept. The fixes are
    first tried all together, which costs one parse of the file instead of one per fix (a 4 MB
    module takes seconds to parse); only when that result does not parse is each tried alone."""
    starts = _line_starts(text)
    spans = []
    for fix in fixes:
        edits = sorted((_offset(starts, e.start), _offset(starts, e.end), e) for e in fix.edits)
        spans.append((edits[0][0] if edits else 0, edits))
    spans.sort(key=lambda item: item[0])
    together = _accept(text, spans, parse_each=False)
    if together[1] > 0 and together[2] is not None:
        return together
    return _accept(text, spans, parse_each=True)


def _accept(text: str, spans, parse_each: bool) -> Tuple[str, int, Optional[ast.Module]]:
    accepted: List[Tuple[int, int, Edit]] = []
    taken: List[Tuple[int, int]] = []
    count, tree = 0, None
    for _, edits in spans:
        if any(
            s < t_end and t_start < e or s == e == t_start
            for s, e, _ in edits
            for t_start, t_end in taken
        ):
            continue
        if parse_each:
            tree = parse(_splice(text, sorted(accepted + edits, key=lambda item: item[0])))
            if tree is None:
                continue
        accepted.extend(edits)
        taken.extend((s, e) for s, e, _ in edits)
        count += 1
    new_text = _splice(text, sorted(accepted, key=lambda item: item[0]))
    if not parse_each and count:
        tree = parse(new_text)
    return new_text, count, tree


def _splice(text: str, edits: Sequence[Tuple[int, int, Edit]]) -> str:
    pieces, cursor = [], 0
    for start, end, edit in edits:
        pieces.append(text[cursor:start])
        pieces.append(edit.content)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)
