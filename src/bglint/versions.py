"""Which FastAPI versions a project allows: the range version-aware rules reason over.

Order (design.md §2, issue 3): config `fastapi-version` (a version or a PEP 440 specifier);
else, walking up from the linted file to the project root, the first of `pyproject.toml`
(`[project].dependencies`, Poetry's table), `requirements*.txt`, `uv.lock`, `poetry.lock` that
names FastAPI; else the FastAPI installed where bglint runs; else every version. Files are
read once per folder per run. No LibCST.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

_PROJECT_ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


@dataclass(frozen=True)
class VersionRange:
    """The allowed versions (`specifier` empty: any) and, for messages, where they came from."""

    specifier: SpecifierSet
    source: str  # "`fastapi>=0.100` in pyproject.toml", "no FastAPI pin found"

    @property
    def is_known(self) -> bool:
        return bool(str(self.specifier))

    def allows_between(self, low: str, high: Optional[str] = None) -> bool:
        """Whether some FastAPI release `low <= v < high` (no upper bound when None) is allowed.

        Releases are `0.MINOR.PATCH`; candidates are every minor in the window with patches up
        to 30, plus the versions the specifier names, which decides any specifier exactly."""
        if not self.is_known:
            return True
        low_v = Version(low)
        high_v = Version(high) if high else None
        top_minor = high_v.minor if high_v is not None else max(low_v.minor, 400)
        candidates = {low_v}
        for minor in range(low_v.minor, top_minor + 1):
            candidates.update(Version(f"0.{minor}.{patch}") for patch in range(31))
        candidates.update(_named_versions(self.specifier))
        for version in candidates:
            if version < low_v or (high_v is not None and version >= high_v):
                continue
            if self.specifier.contains(version, prereleases=True):
                return True
        return False

    def describe(self) -> str:
        return self.source


ANY_VERSION = VersionRange(SpecifierSet(), "no FastAPI version pin found, so every version")


def _named_versions(specifier: SpecifierSet) -> Iterable[Version]:
    for spec in specifier:
        text = spec.version.rstrip(".*")
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        yield version
        release = version.release + (0,) * (3 - len(version.release))
        yield Version(".".join(str(p) for p in (release[0], release[1], release[2] + 1)))


def parse_setting(text: str) -> SpecifierSet:
    """`fastapi-version` from config: `0.110.0` means exactly that, else a PEP 440 specifier."""
    text = text.strip()
    try:
        Version(text)
        return SpecifierSet(f"=={text}")
    except InvalidVersion:
        return SpecifierSet(text)


def allowed_range(path: str, setting: Optional[str] = None) -> VersionRange:
    """The FastAPI versions the project of `path` allows (config first, then its pins)."""
    if setting:
        try:
            return VersionRange(
                parse_setting(setting), f"`fastapi-version = {setting!r}` in config"
            )
        except InvalidSpecifier:
            pass  # config validation reports it; fall back to the pins
    return _from_project(os.path.dirname(os.path.abspath(path)))


@lru_cache(maxsize=None)
def _from_project(folder: str) -> VersionRange:
    current = folder
    while True:
        found = _from_folder(current)
        if found is not None:
            return found
        parent = os.path.dirname(current)
        if parent == current or any(
            os.path.exists(os.path.join(current, m)) for m in _PROJECT_ROOT_MARKERS
        ):
            break
        current = parent
    return _installed() or ANY_VERSION


def forget_pins() -> None:
    """Pins are read once per folder per run; a new run reads them again."""
    _from_project.cache_clear()


def _from_folder(folder: str) -> Optional[VersionRange]:
    for reader in (_from_pyproject, _from_requirements, _from_uv_lock, _from_poetry_lock):
        try:
            found = reader(folder)
        except (OSError, ValueError, tomllib.TOMLDecodeError, InvalidSpecifier):
            found = None
        if found is not None:
            return found
    return None


def _read_toml(path: str) -> Optional[dict]:
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _requirement(line: str) -> Optional[Requirement]:
    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        return None
    return requirement if requirement.name.lower() == "fastapi" else None


def _from_pyproject(folder: str) -> Optional[VersionRange]:
    data = _read_toml(os.path.join(folder, "pyproject.toml"))
    if data is None:
        return None
    for line in data.get("project", {}).get("dependencies", []) or []:
        requirement = _requirement(line)
        if requirement is not None:
            return VersionRange(requirement.specifier, f"`{line}` in pyproject.toml")
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {}) or {}
    for name, value in poetry.items():
        if name.lower() == "fastapi":
            constraint = value.get("version", "*") if isinstance(value, dict) else str(value)
            return VersionRange(
                poetry_specifier(constraint), f"`fastapi = {constraint!r}` in pyproject.toml"
            )
    return None


def poetry_specifier(constraint: str) -> SpecifierSet:
    """Poetry's `^0.110`, `~0.110.1`, `0.110.*`, `*` and PEP 440 forms as a SpecifierSet."""
    parts = []
    for piece in constraint.split(","):
        piece = piece.strip()
        if piece in ("", "*"):
            continue
        if piece[0] in "^~" and not piece.startswith("~="):
            release = [int(p) for p in piece[1:].split(".") if p.isdigit()]
            parts.append(f">={'.'.join(map(str, release))}")
            parts.append(f"<{_bump(release, caret=piece[0] == '^')}")
        elif piece[0].isdigit():
            parts.append(f"=={piece}")
        else:
            parts.append(piece)
    return SpecifierSet(",".join(parts))


def _bump(release: list, caret: bool) -> str:
    if caret:  # the first non-zero part may not change (`^0.110` -> <0.111)
        index = next((i for i, p in enumerate(release) if p != 0), len(release) - 1)
    else:  # `~1.2.3` -> <1.3, `~1` -> <2
        index = min(1, len(release) - 1) if len(release) > 1 else 0
    bumped = release[: index + 1]
    bumped[index] += 1
    return ".".join(map(str, bumped))


def _from_requirements(folder: str) -> Optional[VersionRange]:
    for path in sorted(glob.glob(os.path.join(folder, "requirements*.txt"))):
        with open(path, encoding="utf-8", errors="replace") as handle:
            for raw in handle:
                line = raw.split(" #", 1)[0].strip()
                if not line or line.startswith(("#", "-")):
                    continue
                requirement = _requirement(line)
                if requirement is not None:
                    return VersionRange(
                        requirement.specifier, f"`{line}` in {os.path.basename(path)}"
                    )
    return None


def _locked(folder: str, filename: str) -> Optional[VersionRange]:
    data = _read_toml(os.path.join(folder, filename))
    if data is None:
        return None
    for package in data.get("package", []):
        if str(package.get("name", "")).lower() == "fastapi" and package.get("version"):
            version = package["version"]
            return VersionRange(SpecifierSet(f"=={version}"), f"FastAPI {version} in {filename}")
    return None


def _from_uv_lock(folder: str) -> Optional[VersionRange]:
    return _locked(folder, "uv.lock")


def _from_poetry_lock(folder: str) -> Optional[VersionRange]:
    return _locked(folder, "poetry.lock")


@lru_cache(maxsize=1)
def _installed() -> Optional[VersionRange]:
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover
        return None
    try:
        installed = version("fastapi")
    except PackageNotFoundError:
        return None
    return VersionRange(SpecifierSet(f"=={installed}"), f"FastAPI {installed} installed here")
