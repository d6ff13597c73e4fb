"""The byte prefilter: can this file hold a site an enabled rule reads? (design.md §1)

Substring tests on the raw bytes (2-3x cheaper than one regex). Measured on the FastAPI-heavy
corpus, the words of every kind pass 97 of 2,206 files; a bare `background` would pass twice
as many, and spawn words in every file that imports FastAPI three times as many, so spawn
words count only in files that also mention `Depends` or `UploadFile`. Each site kind of
index/summary.py has its words, so a run of the BG1xx rules alone looks only for task words.
"""

from __future__ import annotations

from typing import Iterable

WORDS = {
    "add_task": (b"add_task",),
    "background_task": (b"BackgroundTask",),
    "background_kw": (b"background=",),
    "background_attr": (b".background",),
    "file_read": (b".file.read", b"UploadFile"),
}
SPAWN_WORDS = (
    b"create_task",
    b"ensure_future",
    b"run_in_executor",
    b"submit(",
    b"Thread(",
    b"to_thread",
)
SPAWN_CONTEXT = (b"Depends", b"UploadFile")
ALL_KINDS = frozenset(WORDS) | {"spawn"}


def words_for(kinds: Iterable[str]) -> tuple:
    return tuple(sorted({word for kind in kinds for word in WORDS.get(kind, ())}))


def may_hold_site(raw: bytes, kinds: Iterable[str] = ALL_KINDS, words: tuple = ()) -> bool:
    """Whether `raw` can hold a site of one of `kinds` (pass `words` precomputed in loops)."""
    kinds = frozenset(kinds)
    for word in words or words_for(kinds):
        if word in raw:
            return True
    if "spawn" in kinds and any(word in raw for word in SPAWN_CONTEXT):
        return any(word in raw for word in SPAWN_WORDS)
    return False
