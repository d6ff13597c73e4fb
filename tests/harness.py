"""The fixture harness: find fixtures, read their markers, run the engine, compare.

A *fixture* is a single file (`BG101/basic.py`) or a directory project (`BG101/cross_module/`)
under `tests/fixtures/<CODE>/`. Its expectations are markers in its comments (style.md §5):

    jobs.add_task(send_welcome(email))  # error: 19 BG101 "send_welcome"
    # error: BG103
    tasks.add_task(lambda: resize(item))

A marker ends the reported line; `COL` (1-based) and a quoted message fragment are optional, in
that order; a line holding only markers applies to the next code line. Nothing in a marker is
evaluated. `# near miss: ...` comments document silent lines and are only counted. Goldens sit
beside the file they fix: `basic.fixed.py` (`--fix`), `basic.unsafe-fixed.py` (`--unsafe-fixes`).
"""

from __future__ import annotations

import difflib
import io
import os
import re
import shutil
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN_SUFFIXES = {"safe": ".fixed.py", "unsafe": ".unsafe-fixed.py"}

# `# error: BG101`, `# error: 19 BG101`, `# error: 19 BG101 "send_welcome"`; several per comment.
MARKER = re.compile(
    r'#\s*error:\s*(?:(?P<column>\d+)\s+)?(?P<code>BG\d{3})(?:\s+"(?P<fragment>[^"]*)")?'
)
NEAR_MISS = re.compile(r"#\s*near miss:")
# Import lines the stub copy rewrites: `from fastapi...`, `import fastapi...`, `from starlette...`.
FRAMEWORK_IMPORT = re.compile(r"^(\s*)(from|import)\s+(fastapi|starlette)\b")


# --- fixtures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixture:
    """One test case: a single file, or a directory project with its own `pyproject.toml`."""

    id: str  # `BG101/basic.py`, `BG101/cross_module`: the pytest id
    code: str  # the folder: BG101
    root: Path  # the file's folder, or the project directory
    files: tuple[str, ...]  # checked files, relative to root (goldens excluded)

    @property
    def requires_python(self) -> str | None:
        """`[project].requires-python` of a project fixture: parser findings (BG000) depend
        on the grammar of the Python that runs bglint."""
        pyproject = self.root / "pyproject.toml"
        if not self.is_project or not pyproject.is_file():
            return None
        try:
            import tomllib
        except ImportError:  # Python < 3.11
            import tomli as tomllib
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        return data.get("project", {}).get("requires-python")

    def runs_here(self) -> bool:
        import platform

        from packaging.specifiers import SpecifierSet

        required = self.requires_python
        return required is None or platform.python_version() in SpecifierSet(required)

    @property
    def is_project(self) -> bool:
        return self.root.name != self.code

    def path(self, relative: str) -> Path:
        return self.root / relative


def is_golden(path: Path) -> bool:
    return any(path.name.endswith(suffix) for suffix in GOLDEN_SUFFIXES.values())


def golden_path(source: Path, mode: str) -> Path:
    return source.with_name(source.name[: -len(".py")] + GOLDEN_SUFFIXES[mode])


def fixture_folders() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.is_dir() and re.fullmatch(r"BG\d{3}", p.name))


def find_fixtures() -> list[Fixture]:
    found = []
    for folder in fixture_folders():
        for entry in sorted(folder.iterdir()):
            if entry.is_file() and entry.suffix == ".py" and not is_golden(entry):
                found.append(
                    Fixture(f"{folder.name}/{entry.name}", folder.name, folder, (entry.name,))
                )
            elif entry.is_dir() and entry.name != "__pycache__":
                files = sorted(
                    str(p.relative_to(entry))
                    for p in entry.rglob("*.py")
                    if not is_golden(p) and "__pycache__" not in p.parts
                )
                found.append(
                    Fixture(f"{folder.name}/{entry.name}", folder.name, entry, tuple(files))
                )
    return found


# --- markers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    file: str  # relative to the fixture root
    row: int  # the reported line (1-based)
    code: str
    column: int | None
    fragment: str | None
    comment_row: int  # where the marker comment is written

    def __str__(self) -> str:
        column = f"{self.column} " if self.column else ""
        fragment = f' "{self.fragment}"' if self.fragment is not None else ""
        return f"{self.file}:{self.row}: # error: {column}{self.code}{fragment}"


def find_comments(text: str) -> list[tuple[int, int, str]]:
    """(row, 0-based column, text) of every comment. Falls back to a line scan for a file that
    does not tokenize (the BG000 fixtures): there a `#` inside a string would be misread."""
    try:
        return [
            (tok.start[0], tok.start[1], tok.string)
            for tok in tokenize.generate_tokens(io.StringIO(text).readline)
            if tok.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError):
        found = []
        for row, line in enumerate(text.splitlines(), start=1):
            col = line.find("#")
            if col >= 0:
                found.append((row, col, line[col:]))
        return found


def is_code_line(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def parse_markers(text: str, file: str) -> list[Marker]:
    lines = text.splitlines()
    markers = []
    for row, col, comment in find_comments(text):
        found = list(MARKER.finditer(comment))
        if not found:
            continue
        target = row
        if not lines[row - 1][:col].strip():  # a line holding only markers: the next code line
            target = next(
                (r for r in range(row + 1, len(lines) + 1) if is_code_line(lines[r - 1])), row
            )
        for match in found:
            column = match.group("column")
            markers.append(
                Marker(
                    file=file,
                    row=target,
                    code=match.group("code"),
                    column=int(column) if column else None,
                    fragment=match.group("fragment"),
                    comment_row=row,
                )
            )
    return markers


def count_near_misses(text: str) -> int:
    return sum(1 for _, _, comment in find_comments(text) if NEAR_MISS.search(comment))


def fixture_markers(fixture: Fixture) -> list[Marker]:
    return [
        marker for file in fixture.files for marker in parse_markers(read(fixture.path(file)), file)
    ]


# --- running the engine -----------------------------------------------------------------------


def read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def settings_for(mode: str):
    from bglint.settings import FixMode, Settings

    return Settings(
        fix_mode={"none": FixMode.NONE, "safe": FixMode.SAFE, "unsafe": FixMode.UNSAFE}[mode]
    )


def run(root: Path, files: Sequence[str], mode: str = "none") -> dict[str, object]:
    """Check `files` (relative to `root`) in one run; returns relative path -> FileResult."""
    from bglint.runner import check_paths

    paths = [str(root / file) for file in files]
    result = check_paths(paths, settings_for(mode))
    by_file = {}
    for file_result in result.files:
        relative = os.path.relpath(os.path.realpath(file_result.path), os.path.realpath(root))
        by_file[relative.replace(os.sep, "/")] = file_result
    return by_file


@cache
def run_fixture(fixture: Fixture, mode: str = "none") -> dict[str, object]:
    """The engine's answer for a fixture as it is on disk (cached: several tests read it)."""
    return run(fixture.root, fixture.files, mode)


def diagnostics_of(results: dict[str, object]) -> list[tuple[str, object]]:
    return [(file, d) for file, r in sorted(results.items()) for d in r.diagnostics]


def output_text(fixture: Fixture, file: str, results: dict[str, object]) -> str:
    """The file after fixing: the engine's `fixed_source`, or the file itself when unchanged."""
    result = results.get(file)
    if result is not None and result.fixed_source is not None:
        return result.fixed_source
    return read(fixture.path(file))


# --- comparing findings with markers -----------------------------------------------------------


def describe(file: str, diagnostic) -> str:
    fix = ""
    if diagnostic.fix is not None:
        fix = f"  [fix ({diagnostic.fix.applicability.value}): {diagnostic.fix.title}]"
    return f"{file}:{diagnostic.start.row}:{diagnostic.start.column}: {diagnostic.code} {diagnostic.message}{fix}"


def fits(marker: Marker, file: str, diagnostic) -> bool:
    return (
        marker.file == file
        and marker.row == diagnostic.start.row
        and marker.code == diagnostic.code
        and (marker.column is None or marker.column == diagnostic.start.column)
        and (marker.fragment is None or marker.fragment in diagnostic.message)
    )


def compare_findings(markers: list[Marker], findings: list[tuple[str, object]]) -> list[str]:
    """Pair markers with findings (the most specific markers first); return what is left over,
    as readable lines. Empty means the fixture's findings are exactly its markers."""
    left = list(findings)
    missed = []
    specific_first = sorted(markers, key=lambda m: (m.column is None, m.fragment is None))
    for marker in specific_first:
        match = next((pair for pair in left if fits(marker, *pair)), None)
        if match is None:
            missed.append(marker)
        else:
            left.remove(match)
    problems = []
    for marker in sorted(missed, key=lambda m: (m.file, m.row)):
        problems.append(f"missed alarm: marker {marker} has no matching finding")
        for file, d in findings:  # say what the engine reported on that line instead
            if file == marker.file and d.start.row == marker.row:
                problems.append(f"    the engine reported there: {describe(file, d)}")
    for file, diagnostic in left:
        problems.append(f"false alarm (or a marker is missing): {describe(file, diagnostic)}")
    return problems


# --- rewritten copies: noqa and stub imports ----------------------------------------------------


def rewrite_markers_to_noqa(text: str, markers: list[Marker]) -> str:
    """Drop every marker comment and put `# noqa: CODES` at the end of each reported line."""
    lines = text.splitlines(keepends=True)
    codes_by_row: dict[int, list[str]] = {}
    for marker in markers:
        codes_by_row.setdefault(marker.row, []).append(marker.code)
    for row, col, comment in find_comments(text):
        if MARKER.search(comment):
            line = lines[row - 1]
            ending = line[len(line.rstrip("\r\n")) :]
            lines[row - 1] = line[:col].rstrip() + ending
    for row, codes in codes_by_row.items():
        line = lines[row - 1]
        body, ending = line.rstrip("\r\n"), line[len(line.rstrip("\r\n")) :]
        lines[row - 1] = f"{body}  # noqa: {', '.join(sorted(set(codes)))}{ending or os.linesep}"
    return "".join(lines)


def rewrite_imports_to_stub(text: str) -> str:
    """Point `fastapi`/`starlette` imports at modules that merely share their names' shape:
    `from fastapi import X` -> `from fastapi_stub_x import X`, `import fastapi` ->
    `import fastapi_stub_x as fastapi`, so the code reads the same but nothing is Starlette's."""
    out = []
    for line in text.splitlines(keepends=True):
        match = FRAMEWORK_IMPORT.match(line)
        if match and match.group(2) == "import" and " as " not in line:
            line = re.sub(r"\b(fastapi|starlette)\b", r"\1_stub_x as \1", line, count=1)
        elif match:
            line = re.sub(r"\b(fastapi|starlette)\b", r"\1_stub_x", line, count=1)
        out.append(line)
    return "".join(out)


def copy_fixture(fixture: Fixture, destination: Path, rewrite) -> Path:
    """Copy the fixture (a project directory with its `pyproject.toml`, or the single file) to
    `destination`, passing each checked file's text through `rewrite(file, text)`."""
    if fixture.is_project:
        root = destination / fixture.root.name
        shutil.copytree(
            fixture.root,
            root,
            ignore=shutil.ignore_patterns("__pycache__", "*.fixed.py", "*.unsafe-fixed.py"),
        )
    else:
        root = destination / fixture.code
        root.mkdir(parents=True)
    for file in fixture.files:
        write(root / file, rewrite(file, read(fixture.path(file))))
    return root


def unified_diff(expected: str, actual: str, expected_name: str, actual_name: str) -> str:
    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=expected_name,
            tofile=actual_name,
        )
    )


def cli_runner():
    """A click test runner with stdout and stderr apart: click < 8.2 (the last for Python 3.9)
    needs `mix_stderr=False`; later versions keep them apart and have no such argument."""
    from click.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


# A two-module project: the task in shop/tasks.py, the endpoint that schedules it in shop/api.py
# (BG104: one argument too many), for the cache and the worker tests.
SHOP = {
    "pyproject.toml": '[project]\nname = "shop"\ndependencies = ["fastapi>=0.118"]\n',
    "shop/__init__.py": "",
    "shop/tasks.py": "def send_welcome(email):\n    print(email)\n",
    "shop/api.py": """
        from fastapi import BackgroundTasks
        from shop.tasks import send_welcome

        def signup(email: str, tasks: BackgroundTasks):
            tasks.add_task(send_welcome, email, "extra")
    """,
}


def write_tree(root: Path, files: dict) -> Path:
    """Write `files` (relative path -> text, dedented) under `root`."""
    import textwrap

    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


# One endpoint that calls its task instead of scheduling it (BG101, safe fix), for CLI tests.
SIGNUP = """\
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


def send_welcome(email: str) -> None:
    print(email)


@app.post("/signup")
def signup(email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_welcome(email))
    return {"ok": True}
"""
SIGNUP_FIXED = SIGNUP.replace("add_task(send_welcome(email))", "add_task(send_welcome, email)")
