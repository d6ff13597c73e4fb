"""The command line (design.md §3): `bglint [check] [PATHS]...`, `bglint rule CODE`, `bglint rules`.

Keep `bglint --help` fast: this module imports click and the plain-data modules only; the runner
is imported when a check runs (it decides when LibCST is needed), the rules package only for
`rule` / `rules`, and rich only for coloured terminal output.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import List, Optional, Sequence, Tuple

import click

from bglint import __version__, catalogue, compiled
from bglint.settings import FixMode, is_selector

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
OUTPUT_FORMATS = ("full", "concise", "json", "sarif", "github", "gitlab", "junit")
TEXT_FORMATS = ("full", "concise")


def closest_code(text: str) -> Optional[str]:
    """The valid code nearest to `text` (a mistyped code or a rule name), for error messages."""
    from bglint.config import closest_code as nearest  # the configuration checks codes too

    return nearest(text)


def _unknown(kind: str, text: str) -> str:
    suggestion = closest_code(text)
    hint = f"; did you mean `{suggestion}`?" if suggestion else ""
    return f"unknown {kind} `{text}`{hint} (`bglint rules` lists them)"


def _parse_selectors(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> Tuple[str, ...]:
    """`--select BG1,BG203 --select BG4` -> ('BG1', 'BG203', 'BG4'), each checked."""
    codes = catalogue.rule_names()
    selectors: List[str] = []
    for value in values:
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            known = item == "ALL" or any(code.startswith(item) for code in codes)
            if not is_selector(item) or not known:
                raise click.BadParameter(_unknown("rule selector", item), ctx=ctx, param=param)
            selectors.append(item)
    return tuple(selectors)


class _DefaultCheckGroup(click.Group):
    """`bglint .` means `bglint check .`: anything that is not a subcommand goes to `check`."""

    def parse_args(self, ctx: click.Context, args: List[str]) -> List[str]:
        if not args or (
            args[0] not in self.commands and args[0] not in ("-h", "--help", "--version")
        ):
            args = ["check", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultCheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="bglint")
def main() -> None:
    """bglint: find, explain and fix mistakes with FastAPI / Starlette background tasks.

    `bglint [PATHS]...` is short for `bglint check [PATHS]...`.
    """


@main.command()
@click.argument("paths", nargs=-1, metavar="[PATHS]...")
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    callback=_parse_selectors,
    help="Codes or prefixes to enable (comma-separated; repeatable). Default: BG.",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODES",
    callback=_parse_selectors,
    help="Codes or prefixes to disable (comma-separated; repeatable).",
)
@click.option(
    "--extend-select",
    multiple=True,
    metavar="CODES",
    callback=_parse_selectors,
    help="Codes or prefixes to enable on top of --select.",
)
@click.option("--fix", is_flag=True, help="Apply safe fixes and write the files.")
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="Include unsafe fixes (with --fix or --diff; alone, show them as available).",
)
@click.option(
    "--diff",
    is_flag=True,
    help="Print a diff of what --fix would change; write nothing (exit 1 on changes).",
)
@click.option(
    "--output-format",
    type=click.Choice(OUTPUT_FORMATS),
    default="full",
    show_default=True,
    help="How findings are printed.",
)
@click.option("--statistics", is_flag=True, help="Print the number of findings per code.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings remain.")
@click.option(
    "--stdin-filename",
    metavar="PATH",
    help="Lint standard input as this file (also implied by the path `-`).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary or hints.")
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    type=click.Path(dir_okay=False),
    help="Use this bglint.toml or pyproject.toml instead of the nearest one.",
)
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Neither read nor write the cache in .bglint_cache/ (check every file afresh).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Worker processes for the files that need analysis. Default: the CPUs available; "
    "workers start only when there is enough to analyse.",
)
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Apply `exclude` to files named on the command line too (pre-commit names every file).",
)
@click.option(
    "--report-unused-noqa",
    is_flag=True,
    help="Also report `# noqa: BGxxx` codes that silenced nothing (exit 1 when there are any).",
)
def check(
    paths: Tuple[str, ...],
    select: Tuple[str, ...],
    ignore: Tuple[str, ...],
    extend_select: Tuple[str, ...],
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    output_format: str,
    statistics: bool,
    exit_zero: bool,
    stdin_filename: Optional[str],
    quiet: bool,
    config_path: Optional[str],
    isolated: bool,
    no_cache: bool,
    jobs: Optional[int],
    force_exclude: bool,
    report_unused_noqa: bool,
) -> None:
    """Check files and folders (default: the current folder); `-` reads standard input."""
    fix_mode = FixMode.NONE
    if fix or diff:
        fix_mode = FixMode.UNSAFE if unsafe_fixes else FixMode.SAFE
    from bglint.config import Overrides
    from bglint.runner import UsageError  # the engine; LibCST is imported later, on need

    overrides = Overrides(select, ignore, extend_select, fix_mode, report_unused_noqa)
    run = _Run(overrides, output_format, statistics, unsafe_fixes, diff, quiet)
    run.configure(config_path, isolated, force_exclude)
    run.use_cache = not no_cache
    run.jobs = jobs
    try:
        if stdin_filename is not None or paths == ("-",):
            for path in paths:
                if path != "-":
                    _warn(f"ignoring `{path}` in favour of standard input")
            status = run.check_stdin(stdin_filename)
        else:
            if "-" in paths:
                raise click.UsageError("`-` (standard input) cannot be mixed with other paths")
            status = run.check_paths(list(paths) or ["."])
    except click.ClickException:
        raise
    except UsageError as err:
        _error(str(err))
        sys.exit(EXIT_ERROR)
    except BrokenPipeError:  # `bglint | head`: the reader left; no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_ERROR)
    except Exception as err:  # noqa: BLE001 - every failure must end in exit 2, not a traceback
        import traceback

        traceback.print_exc(file=sys.stderr)
        _error(f"internal error: {type(err).__name__}: {err} (a bglint bug: please report it)")
        sys.exit(EXIT_ERROR)
    if exit_zero and status == EXIT_FINDINGS:
        status = EXIT_CLEAN
    sys.exit(status)


def entry() -> None:
    """The `bglint` command (its console script, `python -m bglint`): `main`, then the process
    ends without tearing the interpreter down, as mypy's does. Finalising a process that
    imported LibCST frees its node and matcher classes one by one: 45 ms of the 0.33 s that
    checking one 529-line file took then (bench/run.py). Every file bglint writes is closed by
    then (fixes, the cache); standard output and error are flushed here. The methods of
    bglint's own dataclasses are compiled once for all runs (bglint/compiled.py): 30 ms of a
    run that checks one file with sites. The cyclic garbage collector stays off: the run's
    allocations are its imports and the analysis, which pauses the collector anyway
    (`workers.gc_paused`); switching it back on after the analysis made the next collection
    go through everything the analysis allocated, LibCST's classes included, only to end the
    process (10 ms of that file's run)."""
    gc.disable()
    with compiled.once(compiled.store_beside(__file__)):
        try:
            main()
            status = EXIT_CLEAN
        except SystemExit as done:
            status = _exit_status(done.code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # `bglint | head`: the reader left, as in `check` above
        status = EXIT_ERROR
    os._exit(status)


def _exit_status(code: object) -> int:
    """The status `sys.exit(code)` ends a process with (a message is printed, status 1)."""
    if code is None:
        return EXIT_CLEAN
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _warn(message: str) -> None:
    click.echo(f"bglint: warning: {message}", err=True)


def _error(message: str) -> None:
    click.echo(f"bglint: error: {message}", err=True)


class _Run:
    """One `check` invocation: run the engine, write or diff fixes, report, pick the exit code."""

    def __init__(
        self,
        overrides,
        output_format: str,
        statistics: bool,
        unsafe_fixes: bool,
        diff: bool,
        quiet: bool,
    ) -> None:
        self.overrides = overrides  # a `config.Overrides`: what the command line selects
        self.fix_mode: FixMode = overrides.fix_mode
        self.config_path: Optional[str] = None
        self.isolated = self.force_exclude = False
        self.output_format = output_format
        self.statistics = statistics
        self.unsafe_fixes = unsafe_fixes
        self.diff = diff
        self.quiet = quiet
        self.use_cache = True
        self.jobs: Optional[int] = None  # None: every CPU available (workers.default_jobs)

    def configure(self, config_path: Optional[str], isolated: bool, force_exclude: bool) -> None:
        self.config_path, self.isolated, self.force_exclude = config_path, isolated, force_exclude

    def check_paths(self, paths: List[str]) -> int:
        from bglint import config
        from bglint.runner import check_files, check_source

        plan = config.plan_run(
            paths, self.overrides, self.config_path, self.isolated, self.force_exclude
        )
        from bglint.workers import default_jobs

        jobs = self.jobs or default_jobs()
        files = list(check_files(plan.files, plan.settings_of, self.use_cache, jobs).files)
        self._warn_skipped(files)
        if self.diff:
            return self._print_diffs(files)
        fixed = 0
        if self.fix_mode is not FixMode.NONE:
            from bglint import fix as fixer  # tempfile and difflib: 5 ms a plain check saves

            written, refused = fixer.write_results(files, fixer.linted_roots(paths))
            fixed = sum(result.fixes_applied for result in written)
            refused_ids = {id(result): reason for result, reason in refused}
            for position, result in enumerate(files):
                if id(result) in refused_ids:
                    _error(f"{self._display(result.path)}: {refused_ids[id(result)]}")
                    # the file keeps its old text, so it keeps all its findings
                    plain = plan.settings_of[result.path].with_(fix_mode=FixMode.NONE)
                    files[position] = check_source(result.source.raw, result.path, plain)
        return self._report(files, sys.stdout, fixed)

    def check_stdin(self, stdin_filename: Optional[str]) -> int:
        from bglint import config
        from bglint import fix as fixer
        from bglint.runner import check_source

        raw = sys.stdin.buffer.read()
        found = config.config_for(stdin_filename or ".", self.config_path, self.isolated)
        if stdin_filename and self.force_exclude and found.is_excluded(stdin_filename):
            if self.fix_mode is not FixMode.NONE and not self.diff:
                sys.stdout.buffer.write(raw)  # ruff: an excluded file passes through unchanged
            return EXIT_CLEAN
        settings = config.to_settings(found, self.overrides)
        result = check_source(raw, stdin_filename or "-", settings)
        self._warn_skipped([result])
        if self.diff:
            return self._print_diffs([result])
        if self.fix_mode is FixMode.NONE:
            return self._report([result], sys.stdout, 0)
        # ruff's behaviour: the fixed file goes to stdout, the remaining findings to stderr
        data = fixer.fixed_bytes(result)
        refused = fixer.check_write_back(result.source) if result.source is not None else None
        if data is None and result.fixed_source is not None and refused is not None:
            # the fixes cannot be written in this file's encoding: it passes through as it
            # came, so its findings are those of the unfixed text
            _warn(f"{self._display(result.path)}: {refused}")
            result = check_source(raw, result.path, settings.with_(fix_mode=FixMode.NONE))
        sys.stdout.flush()
        sys.stdout.buffer.write(raw if data is None else data)
        sys.stdout.buffer.flush()
        fixed = result.fixes_applied if data is not None else 0
        return self._report([result], sys.stderr, fixed)

    def _print_diffs(self, files: Sequence) -> int:
        from bglint import fix as fixer

        changed = would_fix = 0
        for result in files:
            if fixer.fixed_bytes(result) is None:
                continue
            click.echo(
                fixer.unified_diff(
                    self._display(result.path), result.source.text, result.fixed_source
                ),
                nl=False,
            )
            changed += 1
            would_fix += result.fixes_applied
        if not self.quiet:
            if would_fix:
                s = "" if would_fix == 1 else "s"
                click.echo(f"Would fix {would_fix} error{s}.", err=True)
            else:
                click.echo("No errors would be fixed.", err=True)
        return EXIT_FINDINGS if changed else EXIT_CLEAN

    def _report(self, files: Sequence, out, fixed: int) -> int:
        from bglint import reporters

        options = reporters.ReportOptions(
            unsafe_fixes=self.unsafe_fixes,
            fixing=self.fix_mode is not FixMode.NONE,
            fixed=fixed,
            quiet=self.quiet,
        )
        if self.statistics:
            reporters.write_statistics(self.output_format, files, options, out)
        else:
            reporters.write_report(self.output_format, files, options, out)
        unused = [entry for result in files for entry in result.unused_noqa]
        if unused:
            from bglint.reporters import unused_noqa

            # machine formats stay parseable: the directives go to stderr beside them
            target = out if self.output_format in TEXT_FORMATS else sys.stderr
            unused_noqa.write(unused, options.cwd, target)
            target.flush()
        out.flush()
        remaining = any(result.diagnostics for result in files) or bool(unused)
        return EXIT_FINDINGS if remaining else EXIT_CLEAN

    def _warn_skipped(self, files: Sequence) -> None:
        for result in files:
            if result.skipped:
                _warn(f"{self._display(result.path)}: {result.skipped}")

    @staticmethod
    def _display(path: str) -> str:
        from bglint.reporters import display_path

        return display_path(path, os.getcwd())


def _find_rule(code: str) -> type:
    names = catalogue.rule_names()
    wanted = code.upper() if code.upper() in names else None
    if wanted is None:
        wanted = {name: c for c, name in names.items()}.get(code.lower())
    if wanted is None:
        raise click.BadParameter(_unknown("rule code", code), param_hint="'CODE'")
    from bglint.rules import ALL_RULES  # imports LibCST

    for rule in ALL_RULES:
        if rule.code == wanted:
            return rule
    raise click.ClickException(f"{wanted} ({names[wanted]}) has no documentation yet")


@main.command()
@click.argument("code")
def rule(code: str) -> None:
    """Explain one rule: what it flags, why, and how to fix it (CODE or name)."""
    from bglint import docs

    text = docs.render_rule_terminal(_find_rule(code))
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        click.echo(text, nl=False)


@main.command()
def rules() -> None:
    """List every rule: code, name and whether a fix is available."""
    from bglint.rules import ALL_RULES  # imports LibCST

    rows = [
        (r.code, r.name, str(getattr(r.fix_availability, "value", r.fix_availability)))
        for r in ALL_RULES
    ]
    header = ("code", "name", "fix")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(2)]
    for row in [header, *rows]:
        click.echo(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}")
