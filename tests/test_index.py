"""The ast index: import tables, re-exports, lazy summaries, sites and their holders."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from bglint.index import Index
from bglint.index.summary import summarize
from bglint.source import read_source


def write(root: Path, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'shop'\n",
            "shop/__init__.py": "from .tasks import send_welcome as welcome\n",
            "shop/tasks.py": """
                from functools import partial

                class Mailer:
                    def send(self, to): ...

                mailer = Mailer()

                def send_welcome(email): ...

                async def notify_slack(message): ...

                def make_job():
                    def job(): ...
                    return job
            """,
            "shop/api/__init__.py": "",
            "shop/api/routes.py": """
                import fastapi as f
                from fastapi import BackgroundTasks as Jobs
                from ..tasks import notify_slack, mailer
                from shop import welcome
                import shop.tasks
                Tasks = Jobs

                router = f.APIRouter()

                @router.post("/signup")
                def signup(email: str, jobs: Tasks):
                    jobs.add_task(welcome, email)

                class Views:
                    def method(self, jobs: Jobs):
                        jobs.add_task(notify_slack, "x")

                router.add_api_route("/other", signup, methods=["POST"])
            """,
        },
    )
    return tmp_path


def load(index: Index, path: Path):
    return index.add(str(path), read_source(str(path)).text)


def test_import_table_resolves_aliases_and_relative_imports(project: Path) -> None:
    summary = load(Index(), project / "shop/api/routes.py")
    assert summary.name == "shop.api.routes"
    assert summary.imports["f"] == "fastapi"
    assert summary.imports["Jobs"] == "fastapi.BackgroundTasks"
    assert summary.imports["notify_slack"] == "shop.tasks.notify_slack"
    assert summary.imports["shop"] == "shop"


def test_qualify_follows_module_aliases(project: Path) -> None:
    index = Index()
    summary = load(index, project / "shop/api/routes.py")
    assert index.qualify(summary, "Tasks") == "fastapi.BackgroundTasks"
    assert index.qualify(summary, "f.BackgroundTasks") == "fastapi.BackgroundTasks"
    assert index.qualify(summary, "getattr") == "builtins.getattr"


def test_resolve_through_reexport_in_init(project: Path) -> None:
    index = Index()
    summary = load(index, project / "shop/api/routes.py")
    target = index.resolve(summary, "welcome")
    assert target.kind == "function"
    assert target.qualname == "shop.tasks.send_welcome"


def test_resolve_function_module_attribute_and_instance_method(project: Path) -> None:
    index = Index()
    summary = load(index, project / "shop/api/routes.py")
    assert index.resolve(summary, "notify_slack").function.is_async
    assert index.resolve(summary, "shop.tasks.make_job").function.returns_callable
    method = index.resolve(summary, "mailer.send")
    assert method.kind == "method"
    assert [p.name for p in method.function.params] == ["self", "to"]
    assert index.resolve(summary, "f.BackgroundTasks").kind == "external"


def test_imported_modules_are_summarised_lazily_and_once(project: Path) -> None:
    index = Index()
    summary = load(index, project / "shop/api/routes.py")
    assert index.files_parsed == 1
    index.resolve(summary, "notify_slack")
    index.resolve(summary, "mailer.send")
    index.resolve(summary, "welcome")
    # routes.py, shop/tasks.py and shop/__init__.py: each parsed once
    assert index.files_parsed == 3


def test_sites_and_their_holders(project: Path) -> None:
    summary = load(Index(), project / "shop/api/routes.py")
    holders = {(s.kind, s.holder.function, s.holder.indented) for s in summary.sites}
    assert holders == {("add_task", "signup", False), ("add_task", "Views.method", True)}
    signup = next(s for s in summary.sites if s.holder.function == "signup")
    lines = (project / "shop/api/routes.py").read_text().splitlines()
    assert lines[signup.holder.start_line - 1] == '@router.post("/signup")'  # decorators included


def test_routes_from_decorators_and_add_api_route(project: Path) -> None:
    summary = load(Index(), project / "shop/api/routes.py")
    assert {(r.function, r.owner, r.method) for r in summary.routes} == {
        ("signup", "router", "post"),
        ("signup", "router", "add_api_route"),
    }


def test_function_facts() -> None:
    import ast

    from bglint.index.summary import summarize

    source = textwrap.dedent(
        """
        from typing import Callable
        def plain(a, /, b, *args, c=1, **kw): return None
        async def coro(): await x
        def gen(): yield 1
        def factory() -> Callable[[], None]: ...
        def wrapper(m): return notify(m)
        """
    )
    summary = summarize(ast.parse(source), "m", "m.py", False)
    plain = summary.functions["plain"]
    assert [(p.name, p.kind, p.has_default) for p in plain.params] == [
        ("a", "posonly", False),
        ("b", "pos", False),
        ("args", "vararg", False),
        ("c", "kwonly", True),
        ("kw", "varkw", False),
    ]
    assert not plain.returns_value
    assert summary.functions["coro"].is_async and summary.functions["coro"].has_await
    assert summary.functions["gen"].is_generator
    assert summary.functions["factory"].returns_callable
    assert summary.functions["wrapper"].returned_calls == ("notify",)


def test_src_layout_and_namespace_package(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "src/svc/jobs/tasks.py": "def run(): ...\n",  # namespace packages: no __init__
            "src/svc/api.py": "from svc.jobs.tasks import run\nfrom .jobs import tasks\n",
        },
    )
    index = Index()
    summary = load(index, tmp_path / "src/svc/api.py")
    assert summary.name == "svc.api"
    assert index.resolve(summary, "run").qualname == "svc.jobs.tasks.run"
    assert index.resolve(summary, "tasks.run").kind == "function"


def test_import_cycle_terminates(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "pkg/__init__.py": "from pkg.a import job\n",
            "pkg/a.py": "from pkg import job\n",
        },
    )
    index = Index()
    summary = load(index, tmp_path / "pkg/__init__.py")
    assert index.resolve(summary, "job").kind in ("unknown", "external")


def test_dependencies_apps_and_routes_across_modules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "core/__init__.py": "",
            "core/db.py": """
                from typing import Annotated
                from fastapi import Depends, FastAPI

                def get_db():
                    yield "session"

                DB = Annotated[str, Depends(get_db, scope="function")]
                app = FastAPI()
            """,
            "api.py": """
                from fastapi import APIRouter, Depends, Security
                from core.db import DB, app, get_db

                router = APIRouter(dependencies=[Depends(get_db)])
                not_a_router = dict()

                @router.post("/orders", dependencies=[Security(get_db)])
                def create(db: DB, other=Depends(get_db)): ...

                @app.get("/health")
                def health(): ...

                @not_a_router.get("/x")
                def not_a_route(): ...
            """,
        },
    )
    index = Index()
    summary = load(index, tmp_path / "api.py")
    assert index.app_kind(summary, "router") == "router"
    assert index.app_kind(summary, "app") == "app"  # imported from core.db
    assert index.app_kind(summary, "not_a_router") is None
    assert [r.method for r in index.routes_of(summary, "create")] == ["post"]
    assert [r.owner for r in index.routes_of(summary, "health")] == ["app"]
    assert index.routes_of(summary, "not_a_route") == []
    refs = {(d.target, d.function, d.param, d.via, d.scope) for d in summary.dependencies}
    assert refs == {
        ("get_db", None, None, "dependencies", None),
        ("get_db", "create", None, "dependencies", None),
        ("get_db", "create", "other", "default", None),
    }
    through_alias = [d for d in index.dependencies_of(summary, "create") if d.via == "alias"]
    assert [(d.target, d.scope, d.alias) for d in through_alias] == [("get_db", "function", "DB")]
    assert index.resolve(summary, "get_db").function.is_generator


def test_a_module_loaded_as_import_target_is_not_parsed_again(project: Path) -> None:
    index = Index()
    summary = load(index, project / "shop/api/routes.py")
    index.resolve(summary, "notify_slack")  # summarises shop/tasks.py lazily
    parsed = index.files_parsed
    tasks = load(index, project / "shop/tasks.py")  # the run reaches it as a file
    assert index.files_parsed == parsed
    assert "notify_slack" in tasks.functions
    changed = (project / "shop/tasks.py").read_text() + "\ndef later(): ...\n"
    assert "later" in index.add(str(project / "shop/tasks.py"), changed).functions
    assert index.files_parsed == parsed + 1  # new text (a fix pass): parsed again


@pytest.mark.parametrize(
    ("source", "named"),
    [
        (b"def f(db=Depends(get_db)): ...", True),
        (b"def f(db=Depends(deps . get_db, use_cache=False)): ...", True),
        (b"def f(user=Security(auth.get_db, scopes=['me'])): ...", True),
        (b"def f(db=Depends(get_session)): get_db()", False),
        (b"def f(db=Depends()): get_db()", False),
        (b"get_db()\nx = Depends", False),
        (b"def f(db=Depends(use_cache=False, dependency=get_db)): ...", True),
        (b"def f(db=Depends(  # the session\n    get_db)): ...", True),
        (b"def f(db=Depends((get_db))): ...", True),
        (b"def f(db=Depends(\xc3\xa9t\xc3\xa9)): get_db()", True),
    ],
)
def test_may_name_dependency_is_never_narrower_than_the_summary(source, named) -> None:
    from bglint.index.project import may_name_dependency

    assert may_name_dependency(source, (b"get_db",)) is named
    if not named:  # the summary agrees: no `Depends` of this module names it
        summary = summarize(ast.parse(source.decode()), "m", "m.py", False)
        assert all(
            (ref.target or "").rpartition(".")[2] != "get_db" for ref in summary.dependencies
        )
