"""Views: receiver typing and positions shifted back to the file."""

from __future__ import annotations

import textwrap
from pathlib import Path

from bglint.runner import check_paths
from bglint.settings import Settings


def lint(tmp_path: Path, source: str, name: str = "app.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return check_paths([str(path)], Settings()).diagnostics


def test_indented_method_reports_file_line_and_column(tmp_path: Path) -> None:
    found = lint(
        tmp_path,
        """
        from fastapi import BackgroundTasks


        def send_welcome(email): ...


        class Handlers:
            class Inner:
                def signup(self, email: str, tasks: BackgroundTasks):
                    tasks.add_task(send_welcome(email))
        """,
    )
    assert [(d.code, d.start.row, d.start.column) for d in found] == [("BG101", 11, 28)]
    assert (found[0].end.row, found[0].end.column) == (11, 47)


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    found = lint(
        tmp_path,
        """
        from fastapi import BackgroundTasks
        def send(text): ...
        def ep(tasks: BackgroundTasks):
            x = "ééé"; tasks.add_task(send("ü"))
        """,
    )
    assert [(d.start.row, d.start.column) for d in found] == [(5, 31)]


def test_receivers_that_are_not_background_tasks_are_silent(tmp_path: Path) -> None:
    found = lint(
        tmp_path,
        """
        from rich.progress import Progress
        from fastapi import BackgroundTasks

        def describe(x): ...

        class Queue:
            def add_task(self, item): ...

        def cli(progress: Progress, queue: Queue, tasks):
            progress.add_task(describe("upload"))
            queue.add_task(describe("q"))
            tasks.add_task(describe("unannotated"))

        def shadowed(tasks: BackgroundTasks):
            tasks = Queue()
            tasks.add_task(describe("now a queue"))
        """,
    )
    assert found == []


def test_receiver_typed_through_annotations(tmp_path: Path) -> None:
    found = lint(
        tmp_path,
        """
        from typing import Annotated, Optional, Union
        import fastapi as f
        from starlette.background import BackgroundTasks as Jobs

        Tasks = Jobs

        def send(x): ...

        def a(t: "Jobs"): t.add_task(send(1))
        def b(t: Optional[f.BackgroundTasks] = None): t.add_task(send(2))
        def c(t: Annotated[Tasks, "dep"]): t.add_task(send(3))
        def d(t: Union[None, Jobs]): t.add_task(send(4))
        def e(t: Jobs | None): t.add_task(send(5))
        def g():
            t = f.BackgroundTasks()
            t.add_task(send(6))
        """,
    )
    # BG401 also reports the unattached `BackgroundTasks()` of `g` (row 16)
    assert [d.start.row for d in found if d.code == "BG101"] == [10, 11, 12, 13, 14, 17]


def test_files_without_sites_never_import_libcst(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "plain.py").write_text("import fastapi\napp = fastapi.FastAPI()\n")
    code = (
        "import sys\nfrom bglint.runner import check_paths\nfrom bglint.settings import Settings\n"
        f"check_paths([{str(tmp_path)!r}], Settings())\nprint('libcst' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_parameters_are_classified(tmp_path: Path) -> None:
    from bglint.edits import split_lines
    from bglint.index import Index
    from bglint.model import ParamKind, build_view

    source = textwrap.dedent(
        """
        from typing import Annotated, List
        from fastapi import BackgroundTasks, Depends, File, Request, UploadFile, WebSocket

        def get_db(): yield 1
        DB = Annotated[str, Depends(get_db)]

        def endpoint(
            tasks: BackgroundTasks, upload: UploadFile, uploads: List[UploadFile],
            request: Request, ws: WebSocket, db: DB, other: str = Depends(get_db),
            blob: bytes = File(...), plain: int = 3,
        ):
            tasks.add_task(print, plain)
        """
    )
    path = tmp_path / "app.py"
    path.write_text(source)
    index = Index()
    summary = index.add(str(path), source)
    view = build_view(str(path), split_lines(source), summary, summary.sites[0].holder, index)
    scope = view.functions[0]
    kinds = {name: view.param_kind(scope, name).value for name in scope.params}
    assert kinds == {
        "tasks": ParamKind.BACKGROUND_TASKS.value,
        "upload": "upload_file",
        "uploads": "upload_list",
        "request": "request",
        "ws": "websocket",
        "db": "dependency",
        "other": "dependency",
        "blob": "plain",
        "plain": "plain",
    }


FIXTURE_SOURCES = sorted((Path(__file__).parent / "fixtures").rglob("*.py"))


def parsed_fixtures():
    import libcst as cst

    for path in FIXTURE_SOURCES:
        try:
            yield path, cst.parse_module(path.read_text(encoding="utf-8"))
        except cst.ParserSyntaxError:
            continue


def test_positions_are_libcsts_own() -> None:
    from libcst.metadata import MetadataWrapper, PositionProvider

    from bglint.model.view import positions

    for path, tree in parsed_fixtures():
        expected = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)
        assert dict(positions(tree)) == dict(expected), path


def test_comments_are_those_libcsts_matchers_find() -> None:
    import libcst.matchers as m

    from bglint.model.walk import comments

    checked = 0
    for path, tree in parsed_fixtures():
        for node in [tree, *tree.body]:
            expected = sorted(c.value for c in m.findall(node, m.Comment()))
            assert comments(node) == expected, path
            checked += bool(expected)
    assert checked > 50
