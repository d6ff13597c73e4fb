"""Project configuration: `[tool.bglint]` in `pyproject.toml`, or `bglint.toml` (design.md §3).

A file's configuration is the nearest one found walking up from its folder: in each folder
`bglint.toml` first, then a `pyproject.toml` that has a `[tool.bglint]` table (ruff's order for
`ruff.toml` and `pyproject.toml`); none found means the defaults. `--config PATH` names the file
for every path, `--isolated` ignores them all. Everything is checked when read: an unknown key,
an unknown code or a value of the wrong kind is a `ConfigError` (exit 2) naming the file, the
key and the nearest valid spelling; a TOML syntax error names the file, line and column.

Patterns in `exclude`, `extend-exclude` and `per-file-ignores` are gitignore globs relative to
the folder of the configuration file (a pattern without `/` matches a name at any depth), read
with `pathspec` as `.gitignore` files are. No LibCST.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Optional, Sequence, Tuple

from bglint import catalogue
from bglint.discovery import DEFAULT_EXCLUDES, Patterns, UsageError, is_bare_name
from bglint.settings import DEFAULT_SELECT, FixMode, Settings, is_selector

CONFIG_FILES = ("bglint.toml", "pyproject.toml")
_SELECTOR_KEYS = ("select", "ignore", "extend-select")
_PATTERN_KEYS = ("exclude", "extend-exclude")
_CALL_KEYS = ("durable-calls", "blocking-calls")
KEYS = (
    *_SELECTOR_KEYS,
    "per-file-ignores",
    *_PATTERN_KEYS,
    "respect-gitignore",
    "fastapi-version",
    *_CALL_KEYS,
)
_DOTTED_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
# tomllib and tomli end their messages with the position: "... (at line 3, column 9)"
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


class ConfigError(UsageError):
    """A configuration file bglint cannot use (exit code 2); the message says where and why."""


@dataclass(frozen=True)
class Config:
    """One configuration file's settings, checked; `path` None means the defaults."""

    path: Optional[str]
    root: str  # the folder patterns are relative to
    select: Optional[Tuple[str, ...]] = None
    ignore: Tuple[str, ...] = ()
    extend_select: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    exclude: Optional[Tuple[str, ...]] = None
    extend_exclude: Tuple[str, ...] = ()
    respect_gitignore: bool = True
    fastapi_version: Optional[str] = None
    durable_calls: Tuple[str, ...] = ()
    blocking_calls: Tuple[str, ...] = ()

    def is_excluded(self, path: str, is_dir: bool = False) -> bool:
        """Whether `exclude` (ruff's default list when unset) or `extend-exclude` matches."""
        return Exclusion(self)(path, is_dir)


@dataclass(frozen=True)
class Overrides:
    """What the command line says about selection; empty tuples mean "not given".

    `--select` replaces the configuration's `select` and `ignore` (ruff: a later layer that
    selects starts afresh); `--ignore` and `--extend-select` add to the configuration's."""

    select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    extend_select: Tuple[str, ...] = ()
    fix_mode: FixMode = FixMode.NONE
    report_unused_noqa: bool = False


def default_config(root: Optional[str] = None) -> Config:
    return _default_config(os.path.abspath(root or os.getcwd()))


@lru_cache(maxsize=None)
def _default_config(root: str) -> Config:
    return Config(path=None, root=root)  # one object per root: `is` compares them cheaply


def to_settings(config: Config, overrides: Overrides = Overrides()) -> Settings:
    if overrides.select:
        select, ignore = overrides.select, overrides.ignore
    else:
        select = config.select if config.select is not None else DEFAULT_SELECT
        ignore = config.ignore + overrides.ignore
    return Settings(
        select=select,
        extend_select=config.extend_select + overrides.extend_select,
        ignore=ignore,
        fix_mode=overrides.fix_mode,
        fastapi_version=config.fastapi_version,
        blocking_calls=config.blocking_calls,
        durable_calls=config.durable_calls,
        per_file_ignores=config.per_file_ignores,
        config_root=config.root,
        report_unused_noqa=overrides.report_unused_noqa,
    )


# -- finding and reading -----------------------------------------------------------------------
def find_config_file(start: str, seen: Optional[Dict[str, Optional[str]]] = None) -> Optional[str]:
    """The nearest configuration file at or above `start` (a folder or a file), or None.

    `seen` caches folder -> answer for one run (a run over many files asks once per folder);
    nothing is cached between runs, so an editor's flake8 sees a configuration added later."""
    seen = {} if seen is None else seen
    folder = os.path.abspath(start)
    if not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    visited = []
    found: Optional[str] = None
    while True:
        if folder in seen:
            found = seen[folder]
            break
        visited.append(folder)
        found = _config_in(folder)
        parent = os.path.dirname(folder)
        if found is not None or parent == folder:
            break
        folder = parent
    for folder in visited:
        seen[folder] = found
    return found


def _config_in(folder: str) -> Optional[str]:
    for name in CONFIG_FILES:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate) and (name != "pyproject.toml" or _has_table(candidate)):
            return candidate
    return None


def _has_table(pyproject: str) -> bool:
    # a byte test first: most pyproject.toml files have no [tool.bglint] and need no parse
    try:
        with open(pyproject, "rb") as handle:
            if b"bglint" not in handle.read():
                return False
    except OSError:
        return False
    return "bglint" in _read_toml(pyproject).get("tool", {})


def load_config(path: str) -> Config:
    """Read and check one configuration file (`bglint.toml` or a `pyproject.toml`)."""
    return _load(os.path.abspath(path))


def _load(path: str) -> Config:
    try:
        info = os.stat(path)
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror or err}") from None
    return _load_version(path, info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=None)
def _load_version(path: str, mtime_ns: int, size: int) -> Config:
    """Read once per content version (an editor's long-lived flake8 sees edits)."""
    data = _read_toml(path)
    if os.path.basename(path) == "pyproject.toml":
        table, prefix = data.get("tool", {}).get("bglint", {}), "tool.bglint."
    else:
        table, prefix = data, ""
    return _parse(table, path, prefix)


def config_for(
    start: str,
    config_path: Optional[str] = None,
    isolated: bool = False,
    seen: Optional[Dict[str, Optional[str]]] = None,
) -> Config:
    """The configuration that applies at `start`: `--isolated`, `--config`, or the nearest."""
    if isolated:
        return default_config()
    if config_path is not None:
        if not os.path.isfile(config_path):
            raise ConfigError(f"configuration file not found: {config_path}")
        return load_config(config_path)
    found = find_config_file(start, seen)
    if found is None:
        return default_config()
    return load_config(found)


def _read_toml(path: str) -> dict:
    try:  # imported here: a run without a configuration file never needs it (5 ms)
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not valid UTF-8 text ({err.reason})") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(_toml_error(path, err)) from None


def _toml_error(path: str, err: Exception) -> str:
    """`path:line:column: invalid TOML: message`, the position read from the error."""
    message = str(err)
    line, column = getattr(err, "lineno", None), getattr(err, "colno", None)
    match = _TOML_POSITION.search(message)
    if match:
        message = message[: match.start()]
        line, column = line or int(match.group(1)), column or int(match.group(2))
    elif line is None and message.endswith("(at end of document)"):
        message = message[: -len("(at end of document)")].rstrip()
        with open(path, "rb") as handle:
            lines = handle.read().decode("utf-8", "replace").split("\n")
        line, column = len(lines), len(lines[-1]) + 1
    if getattr(err, "msg", None):
        message = err.msg  # Python 3.14 keeps the bare message apart
    where = f"{path}:{line}:{column}" if line is not None else path
    return f"{where}: invalid TOML: {message}"


# -- checking ----------------------------------------------------------------------------------
def _parse(table: object, path: str, prefix: str) -> Config:
    where = f"{path}: "
    if not isinstance(table, dict):
        raise ConfigError(f"{where}`{prefix.rstrip('.')}` must be a table")
    values: Dict[str, object] = {}
    for key, value in table.items():
        if key not in KEYS:
            raise ConfigError(f"{where}unknown key `{prefix}{key}`{_hint(key, KEYS)}")
        values[key] = _check_value(key, value, f"{where}`{prefix}{key}`")
    return Config(
        path=path,
        root=os.path.dirname(path),
        select=values.get("select"),  # type: ignore[arg-type]
        ignore=values.get("ignore", ()),  # type: ignore[arg-type]
        extend_select=values.get("extend-select", ()),  # type: ignore[arg-type]
        per_file_ignores=values.get("per-file-ignores", ()),  # type: ignore[arg-type]
        exclude=values.get("exclude"),  # type: ignore[arg-type]
        extend_exclude=values.get("extend-exclude", ()),  # type: ignore[arg-type]
        respect_gitignore=values.get("respect-gitignore", True),  # type: ignore[arg-type]
        fastapi_version=values.get("fastapi-version"),  # type: ignore[arg-type]
        durable_calls=values.get("durable-calls", ()),  # type: ignore[arg-type]
        blocking_calls=values.get("blocking-calls", ()),  # type: ignore[arg-type]
    )


def _check_value(key: str, value: object, name: str) -> object:
    if key in _SELECTOR_KEYS:
        return check_selectors(_strings(value, name, "a list of rule codes"), name)
    if key in _PATTERN_KEYS:
        return _check_patterns(_strings(value, name, "a list of glob patterns"), name)
    if key in _CALL_KEYS:
        calls = _strings(value, name, "a list of fully qualified names")
        for call in calls:
            if not _DOTTED_NAME.fullmatch(call):
                raise ConfigError(
                    f"{name}: `{call}` is not a fully qualified name such as `smtplib.SMTP.sendmail`"
                )
        return calls
    if key == "respect-gitignore":
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be `true` or `false`, not {_show(value)}")
        return value
    if key == "fastapi-version":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{name} must be a version or specifier string, not {_show(value)}")
        from packaging.specifiers import InvalidSpecifier  # only a config that sets it pays

        from bglint.versions import parse_setting

        try:
            parse_setting(value)
        except InvalidSpecifier:
            raise ConfigError(
                f"{name}: `{value}` is not a version (`0.110.0`) or a PEP 440 specifier "
                "(`>=0.100,<0.120`)"
            ) from None
        return value.strip()
    if key == "per-file-ignores":
        if not isinstance(value, dict):
            raise ConfigError(f"{name} must be a table of glob = [codes], not {_show(value)}")
        pairs = []
        for pattern, codes in value.items():
            entry = f'{name} "{pattern}"'
            _check_patterns([pattern[1:] if pattern.startswith("!") else pattern], name)
            pairs.append(
                (pattern, check_selectors(_strings(codes, entry, "a list of codes"), entry))
            )
        return tuple(pairs)
    raise AssertionError(key)  # KEYS and this function list the same keys


def _check_patterns(patterns: Sequence[str], name: str) -> Tuple[str, ...]:
    """Each pattern one pathspec accepts (Git skips a bad `.gitignore` line; a setting names it)."""
    for pattern in patterns:
        if is_bare_name(pattern):
            continue  # always valid: no pathspec import for the usual `venv`, `build/`
        import pathspec

        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except ValueError:
            raise ConfigError(
                f"{name}: `{pattern}` is not a valid gitignore pattern (folders are separated "
                "by `/`; `\\` escapes the next character)"
            ) from None
    return tuple(patterns)


def _strings(value: object, name: str, what: str) -> Tuple[str, ...]:
    if isinstance(value, str):
        value = [value]  # `select = "BG1"`: one item, as ruff's users often write it
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{name} must be {what}, not {_show(value)}")
    return tuple(value)


def check_selectors(items: Sequence[str], name: str) -> Tuple[str, ...]:
    """Each item a known code or prefix (`BG1`, `BG101`, `ALL`), else a ConfigError."""
    codes = catalogue.rule_names()
    for item in items:
        known = item == "ALL" or any(code.startswith(item) for code in codes)
        if not is_selector(item) or not known:
            suggestion = closest_code(item)
            hint = f"; did you mean `{suggestion}`?" if suggestion else ""
            raise ConfigError(
                f"{name}: unknown rule code `{item}`{hint} (`bglint rules` lists them)"
            )
    return tuple(items)


def _difflib():
    """difflib, for the "did you mean" hints of a configuration error: only then imported."""
    import difflib

    return difflib


def closest_code(text: str) -> Optional[str]:
    """The valid code nearest to `text` (a mistyped code or a rule name), for error messages."""
    codes = catalogue.rule_names()
    by_name = {name: code for code, name in codes.items()}
    if text.lower() in by_name:
        return by_name[text.lower()]
    wanted = text.upper()
    scored = [
        # a swapped pair of digits (`BG110` for `BG101`) is the likeliest typo
        (
            sorted(code) == sorted(wanted),
            _difflib().SequenceMatcher(None, wanted, code).ratio(),
            code,
        )
        for code in codes
    ]
    best = max(scored, default=None)
    if best is not None and best[1] >= 0.5:
        return best[2]
    found = _difflib().get_close_matches(text.lower(), list(by_name), n=1, cutoff=0.6)
    return by_name[found[0]] if found else None


def _hint(key: str, valid: Sequence[str]) -> str:
    found = _difflib().get_close_matches(key.replace("_", "-").lower(), valid, n=1, cutoff=0.5)
    return f"; did you mean `{found[0]}`?" if found else f" (valid keys: {', '.join(valid)})"


def _show(value: object) -> str:
    text = repr(value)
    return f"`{text[:60]}`" + (" ..." if len(text) > 60 else "")


# -- patterns ---------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _exclusion_patterns(config: Config) -> Patterns:
    base = config.exclude if config.exclude is not None else tuple(sorted(DEFAULT_EXCLUDES))
    return Patterns([*base, *config.extend_exclude])


@lru_cache(maxsize=None)
def _single_pattern(pattern: str) -> Patterns:
    return Patterns([pattern])


def _relative(root: str, path: str) -> str:
    """`path` relative to `root` with `/`; a path outside `root` keeps only its name."""
    relative = os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
    if relative.startswith("../") or relative == "..":
        relative = os.path.basename(os.path.abspath(path))  # outside the root: names only
    return relative


def _matches(patterns: Patterns, root: str, path: str, is_dir: bool) -> bool:
    return patterns.matches(_relative(root, path), is_dir)


class Exclusion:
    """`Config.is_excluded` as a callable for a walk: a folder's place under the root (and
    whether a bare name already matches it) is worked out once, not once per entry in it."""

    def __init__(self, config: Config) -> None:
        self.patterns = _exclusion_patterns(config)
        self.root = config.root
        self._root_name = os.path.basename(config.root)
        # folder as given -> (its path under the root, "" or "a/b/"; None outside the root,
        # where only names count), whether a bare name matches one of its parts
        self._folders: Dict[str, Tuple[Optional[str], bool]] = {}

    def __call__(self, path: str, is_dir: bool = False) -> bool:
        folder, name = os.path.split(path)
        is_root = name == self._root_name and os.path.abspath(path) == self.root
        if is_root or name in ("", ".", ".."):  # the root is ".", not a name in its parent
            return _matches(self.patterns, self.root, path, is_dir)
        if folder not in self._folders:
            self._folders[folder] = self._place(folder)
        prefix, folder_hit = self._folders[folder]
        if folder_hit or self.patterns.has_bare_match((name,), is_dir):
            return True
        return self.patterns.has_other_match((prefix or "") + name, is_dir)

    def _place(self, folder: str) -> Tuple[Optional[str], bool]:
        relative = os.path.relpath(os.path.abspath(folder or "."), self.root).replace(os.sep, "/")
        if relative == ".":
            return "", False
        if relative.startswith("../") or relative == "..":
            return None, False
        # every part of a folder's path is a folder
        return relative + "/", self.patterns.has_bare_match(relative.split("/"), True)


def per_file_ignored(path: str, settings: Settings) -> Tuple[str, ...]:
    """The code prefixes `per-file-ignores` turns off for `path` (`!pattern`: files it misses)."""
    if not settings.per_file_ignores or path == "-":
        return ()
    relative = _relative(settings.config_root or os.getcwd(), path)
    ignored: List[str] = []
    for pattern, codes in settings.per_file_ignores:
        negated = pattern.startswith("!")
        hit = _single_pattern(pattern[1:] if negated else pattern).matches(relative, False)
        if hit != negated:
            ignored.extend(codes)
    return tuple(ignored)


# -- a run over paths --------------------------------------------------------------------------
@dataclass
class Plan:
    """The files of a run grouped by the settings that apply to them, in discovery order."""

    files: List[str] = field(default_factory=list)
    settings_of: Dict[str, Settings] = field(default_factory=dict)


def plan_run(
    paths: Sequence[str],
    overrides: Overrides,
    config_path: Optional[str] = None,
    isolated: bool = False,
    force_exclude: bool = False,
) -> Plan:
    """Discover the files under `paths` and the settings of each (its nearest configuration).

    Folders are pruned while walking by the configuration of the path given; each file found
    is then held to its own nearest configuration's excludes. A file named on the command line
    is checked even when excluded, unless `force_exclude` (ruff's `--force-exclude`, which the
    pre-commit hook passes because pre-commit names every file)."""
    from bglint.discovery import discover

    plan = Plan()
    seen: Dict[str, Optional[str]] = {}
    exclusions: Dict[Config, Exclusion] = {}
    # folder -> (its configuration, the settings from it): files of one folder share both
    folders: Dict[str, Tuple[Config, Settings]] = {}
    settings_cache: Dict[Config, Settings] = {}

    def exclusion(config: Config) -> Exclusion:
        if config not in exclusions:
            exclusions[config] = Exclusion(config)
        return exclusions[config]

    for path in paths:
        top = config_for(path, config_path, isolated, seen)
        explicit = not os.path.isdir(path)
        if explicit and force_exclude and exclusion(top)(path):
            continue
        found = discover([path], excluded=exclusion(top), respect_gitignore=top.respect_gitignore)
        for file in found:
            folder = os.path.dirname(file)
            if folder not in folders:
                config = top if (isolated or config_path) else config_for(file, seen=seen)
                if config not in settings_cache:
                    settings_cache[config] = to_settings(config, overrides)
                folders[folder] = (config, settings_cache[config])
            config, settings = folders[folder]
            # the walk held each file to `top` already; a nearer configuration's excludes too
            if not explicit and config is not top and config != top and exclusion(config)(file):
                continue
            if file not in plan.settings_of:
                plan.files.append(file)
            plan.settings_of[file] = settings
    return plan


def settings_for_file(path: str) -> Tuple[Settings, bool]:
    """The flake8 plugin's view: the file's nearest configuration as settings (flake8's own
    `--select` and `--extend-ignore` narrow them further), and whether it excludes the file."""
    config = config_for(path)
    return _all_codes_settings(config), config.is_excluded(path)


@lru_cache(maxsize=None)
def _all_codes_settings(config: Config) -> Settings:
    return to_settings(config)
