"""The byte prefilter: can this file hold a background site at all? (design.md §1)

Substring tests on the raw bytes (2-3x cheaper than one regex). Measured on the FastAPI-heavy
corpus, these words pass 97 of 2,206 files; a bare `background` would pass twice as many, and
spawn words in every file that imports FastAPI three times as many, so spawn words count only
in files that also mention `Depends` or `UploadFile`.
"""

from __future__ import annotations

SITE_WORDS = (b"add_task", b"BackgroundTask", b"background=", b".background", b"UploadFile", b".file.read")
SPAWN_WORDS = (b"create_task", b"ensure_future", b"run_in_executor", b"submit(", b"Thread(", b"to_thread")
SPAWN_CONTEXT = (b"Depends", b"UploadFile")


def may_hold_site(raw: bytes) -> bool:
    for word in SITE_WORDS:
        if word in raw:
            return True
    if any(word in raw for word in SPAWN_CONTEXT):
        return any(word in raw for word in SPAWN_WORDS)
    return False
