"""The byte prefilter: can this file hold a site an enabled rule reads? (design.md §1)

Substring tests on the raw bytes (2-3x cheaper than one regex); the two words that are common
in other code are confirmed by a pattern, only in the files that hold them. Measured on the
FastAPI-heavy corpus: plain words passed 97 of 2,206 files, half of them without a single
site (`.background_color`, `UploadFile` in a signature); with the patterns, 47 (2.2 MB). A bare
`background` would pass twice as many, and spawn words in every file that imports FastAPI
three times as many, so spawn words count only in files that also mention `Depends` or
`UploadFile`. Since then the `add_task` and `.background` tests follow the gates
(index/gates.py): 18 files (1.06 MB) pass on that corpus, 48 (4.1 MB) on the large one. Each
site kind of index/summary.py has its words, so a run of the BG1xx rules alone looks only for
task words.

Each word is a full scan of the file (about 0.1 s per word on the 217 MB corpus), so the three
words that share `ackground` are looked for only in files holding it: one scan stands for three
in the 97 % of files without it (0.76 s to 0.55 s for the corpus).
"""

from __future__ import annotations

import re
from typing import Callable, Dict, Iterable, Tuple

WORDS = {
    "add_task": (b"add_task",),
    "background_task": (b"BackgroundTask",),
    "background_kw": (b"background=",),
    "background_attr": (b".background",),
    "file_read": (b".file.read",),
}
# A word that is also common in other code is confirmed by a test closer to the site the
# index records, run only on files holding the word: `BackgroundTask(...)` /
# `BackgroundTasks(...)` (not an annotation or an import); for `.background`, see
# `_assigns_background`. `add_task` needs `BackgroundTasks` in the file too: the model counts
# `x.add_task(...)` only when `x` resolves to that class through this module's own imports,
# aliases or calls (model/view.py `is_background_tasks`, `Index.qualify`), and each of those
# spells its name here. Without it the file's `add_task` calls are rich's progress bars and the
# like (11 of medium's 34 files, 0.27 MB).
_BACKGROUND = re.compile(rb"\.background[\s\\]*(?:(:)|=(?!=)|[-+*/|&]=)")
_RECEIVER = re.compile(rb"(?<![\w.])([A-Za-z_]\w*)\)?[ \t]*\Z")
_STATEMENT_START = re.compile(rb"(?:\A|;)[ \t]*\(?[A-Za-z_]\w*\)?[ \t]*\Z")


def _assigns_background(raw: bytes) -> bool:
    """`name.background = ...` (or `+=`, or annotated `name.background: T = ...` at the start
    of a statement), where `name` is not `self`: BG406 reads only a parameter annotated
    `Response` (index/gates.py), so `self.background = background` in a response class and a
    read such as `if response.background:` pass no file. Medium's prefilter: 23 files -> 18."""
    for match in _BACKGROUND.finditer(raw):
        line_start = max(raw.rfind(b"\n", 0, match.start()), raw.rfind(b"\r", 0, match.start())) + 1
        before = raw[line_start : match.start()]
        receiver = _RECEIVER.search(before)
        if receiver is None or receiver.group(1) == b"self":
            continue
        if match.group(1) is None or _STATEMENT_START.search(before):
            return True
    return False


CONFIRM: Dict[bytes, Callable[[bytes], object]] = {
    b".background": _assigns_background,
    b"BackgroundTask": re.compile(rb"BackgroundTasks?[\s\\]*\(").search,
    b"add_task": re.compile(rb"BackgroundTasks").search,
}
SPAWN_WORDS = (
    b"create_task",
    b"ensure_future",
    b"run_in_executor",
    b"submit(",
    b"Thread(",
)
SPAWN_CONTEXT = (b"Depends", b"UploadFile")
ALL_KINDS = frozenset(WORDS) | {"spawn"}
GATES = (b"ackground",)  # held by every word that holds it: one scan before theirs

# (the word scanned for, the words it stands for): `(b"add_task", (b"add_task",))` for a word
# without a gate
Plan = Tuple[Tuple[bytes, Tuple[bytes, ...]], ...]


def words_for(kinds: Iterable[str]) -> Plan:
    """What to scan for, for `kinds`: each word, or a gate shared by several words."""
    groups = {}
    for word in sorted({word for kind in kinds for word in WORDS.get(kind, ())}):
        gate = next((gate for gate in GATES if gate in word), word)
        groups.setdefault(gate, []).append(word)
    return tuple((gate, tuple(words)) for gate, words in groups.items())


def may_hold_site(raw: bytes, kinds: Iterable[str] = ALL_KINDS, words: Plan = ()) -> bool:
    """Whether `raw` can hold a site of one of `kinds` (pass `words_for(kinds)` in loops)."""
    kinds = frozenset(kinds)
    for gate, group in words or words_for(kinds):
        if gate not in raw:
            continue
        for word in group:
            if word is not gate and word not in raw:
                continue
            confirm = CONFIRM.get(word)
            if confirm is None or confirm(raw):
                return True
    if "spawn" in kinds and any(word in raw for word in SPAWN_CONTEXT):
        return any(word in raw for word in SPAWN_WORDS)
    return False
