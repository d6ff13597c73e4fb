"""The persistent cache: an unchanged project costs a stat per file (design.md §1, issue 10).

One pickle per bglint version and settings in `.bglint_cache/` at the project root (ignored by
git through its own `.gitignore`, like ruff's). An entry holds a file's stat, its content hash,
its findings, and, for a file that held a site, the FastAPI version range it was checked under
and the stat and hash of every project module its analysis resolved into: a changed imported
module invalidates its dependents. A corrupt or unreadable cache is ignored; writes go to a
temporary file and `os.replace`, so concurrent runs never leave a torn file (the last wins).
Read before anything imports LibCST or rich. Only plain checks are cached, never fixes.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from typing import Dict, Iterable, Optional, Tuple

from bglint import __version__
from bglint.roots import find_project_root

CACHE_DIR = ".bglint_cache"
_FORMAT = 2
Stat = Tuple[int, int]  # (mtime_ns, size)


def content_hash(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=16).digest()


def stat_of(path: str) -> Optional[Stat]:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _code_fingerprint() -> str:
    """bglint's own modules (path, mtime, size): an edited rule in a development install
    must not be answered from a cache its old code wrote, though the version is the same."""
    package = os.path.dirname(os.path.abspath(__file__))
    parts = []
    for folder, _, names in os.walk(package):
        for name in sorted(names):
            if name.endswith(".py"):
                stat = stat_of(os.path.join(folder, name))
                parts.append(f"{os.path.relpath(os.path.join(folder, name), package)}:{stat}")
    return ";".join(sorted(parts))


@dataclass
class Entry:
    stat: Stat
    digest: bytes
    diagnostics: list
    skipped: Optional[str]
    versions: Optional[str] = None  # the version range a file with sites was checked under
    dependencies: Dict[str, Tuple[Stat, bytes]] = field(default_factory=dict)


def _unchanged(path: str, stat: Stat, digest: bytes) -> bool:
    now = stat_of(path)
    if now is None:
        return False
    if now == stat:
        return True
    try:
        with open(path, "rb") as handle:
            return content_hash(handle.read()) == digest
    except OSError:
        return False


class Summaries:
    """Module summaries (index/summary.py) by path, module name and content hash, in their own
    file beside the findings. It is read only when a run has something to parse, so a run the
    cache answers never loads it; a run that checks one changed file takes the summaries of
    the modules it imports from here instead of parsing them."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._entries: Optional[Dict[str, tuple]] = None
        self.changed = False
        self.hits = 0  # summaries served, for the benchmark

    def _load(self) -> Dict[str, tuple]:
        if self._entries is None:
            data = _read_pickle(self.path)
            self._entries = data.get("summaries", {}) if isinstance(data, dict) else {}
        return self._entries

    def get(self, path: str, key: tuple):
        found = self._load().get(path)
        if found is None or found[0] != key:
            return None
        self.hits += 1
        return found[1]

    def put(self, path: str, key: tuple, summary) -> None:
        self._load()[path] = (key, summary)
        self.changed = True

    def save(self, folder: str) -> None:
        if self.changed and self._entries is not None:
            live = {p: e for p, e in self._entries.items() if os.path.exists(p)}
            _write_pickle(folder, self.path, {"format": _FORMAT, "summaries": live})


def _read_pickle(path: str) -> object:
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)
    except Exception:  # missing, corrupt, from another Python: never fatal
        return None
    return data if isinstance(data, dict) and data.get("format") == _FORMAT else None


def _write_pickle(folder: str, path: str, data: dict) -> None:
    """Write to a temporary file and `os.replace` it: concurrent runs never tear the file."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        ignore = os.path.join(folder, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w", encoding="utf-8") as handle:
                handle.write("# Automatically created by bglint.\n*\n")
        import tempfile  # a run the cache answers writes nothing: no import

        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    except OSError:
        return  # a read-only project, a full disk: the cache is an optimisation only
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(data, out, pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass


class Cache:
    stat_of = staticmethod(stat_of)  # for the engine, which imports this module only to cache

    def __init__(self, folder: str, key: str) -> None:
        self.path = os.path.join(folder, __version__, f"{key}.pickle")
        self.folder = folder
        self._cwd = os.getcwd()  # `abspath` asks for it on every call: once per file is 2 ms
        self.entries: Dict[str, Entry] = self._load()
        self.changed = False
        self.summaries = Summaries(os.path.join(folder, __version__, f"{key}.summaries.pickle"))

    @classmethod
    def for_run(cls, settings_key: str, start: Optional[str] = None) -> "Cache":
        cwd = os.path.abspath(start or os.getcwd())
        root = find_project_root(cwd) or cwd
        fingerprint = f"{settings_key}|{_code_fingerprint()}"
        key = hashlib.blake2b(fingerprint.encode(), digest_size=10).hexdigest()
        return cls(os.path.join(root, CACHE_DIR), key)

    def _load(self) -> Dict[str, Entry]:
        data = _read_pickle(self.path)
        if data is None:
            return {}
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}

    def _absolute(self, path: str) -> str:
        """`os.path.abspath(path)`, with the working directory of the run."""
        return os.path.normpath(os.path.join(self._cwd, path))

    def has_digest(self, path: str) -> bool:
        entry = self.entries.get(self._absolute(path))
        return entry is not None and bool(entry.digest)

    def lookup(self, path: str, stat: Stat, raw: Optional[bytes], versions) -> Optional[Entry]:
        """The entry for `path` if it still holds: same stat (or, given the bytes, the same
        content), the same version range, and unchanged dependencies."""
        entry = self.entries.get(self._absolute(path))
        if entry is None:
            return None
        if entry.stat != stat and (
            raw is None or not entry.digest or content_hash(raw) != entry.digest
        ):
            return None
        if entry.versions is not None and entry.versions != versions(path):
            return None
        for dependency, (dep_stat, dep_digest) in entry.dependencies.items():
            if not _unchanged(dependency, dep_stat, dep_digest):
                return None
        return entry

    def store(
        self,
        path: str,
        stat: Stat,
        raw: Optional[bytes],
        diagnostics: list,
        skipped: Optional[str],
        versions: Optional[str],
        dependencies: Iterable[str],
    ) -> None:
        path = self._absolute(path)
        recorded = {}
        for dependency in dependencies:
            dependency = self._absolute(dependency)
            dep_stat = stat_of(dependency)
            if dependency == path or dep_stat is None:
                continue
            try:
                with open(dependency, "rb") as handle:
                    recorded[dependency] = (dep_stat, content_hash(handle.read()))
            except OSError:
                continue
        # a file the prefilter rejected is re-read when its stat changes (the read is the
        # check); only analysed files keep a content hash to survive a touch
        digest = content_hash(raw) if raw is not None else b""
        self.entries[path] = Entry(stat, digest, list(diagnostics), skipped, versions, recorded)
        self.changed = True

    def save(self) -> None:
        self.summaries.save(self.folder)
        if self.changed:
            live = {p: e for p, e in self.entries.items() if os.path.exists(p)}
            _write_pickle(self.folder, self.path, {"format": _FORMAT, "entries": live})
