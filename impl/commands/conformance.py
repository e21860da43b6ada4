"""``wheelnext conformance``: run, list, show, serve, report, verify, diff, image.

``--json`` follows one rule (docs/cli.rst, "JSON output"): a flag that prints
JSON on standard output instead of the table; ``run`` and ``report``, which
also show progress or write several outputs, take ``--json FILE`` instead,
``-`` meaning standard output.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import shlex
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from wheelnext.conformance.check import Result
from wheelnext.conformance.record import INDEX_RUNNER, Record
from wheelnext.conformance.redact import Redactor

if TYPE_CHECKING:
    from wheelnext.conformance.shard import Plan

#: The roles a scenario's audience names (``wheelnext.conformance.scenario.AUDIENCES``).
AUDIENCE_CHOICES = ("installer", "index", "build backend", "provider plugin", "tool")

#: Exit statuses of ``conformance run`` (docs/design.rst, "Results").
EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, EXIT_HARNESS, EXIT_NONE_APPLIED = 0, 1, 2, 3, 4


#: The ``--json`` rule, said in the help of every command that prints JSON.
JSON_FLAG_HELP = "Print JSON on standard output instead of the table."
JSON_FILE_HELP = (
    "Write the JSON records to FILE; '-' is standard output (the table then goes to "
    "standard error)."
)
verbose_option = click.option(
    "-v", "--verbose", is_flag=True, help="More detail: each scenario's observation."
)
#: ``run`` and ``report`` write the same summary.
summary_md_option = click.option(
    "--summary-md", type=click.Path(path_type=Path),
    help="Write a compact Markdown summary for CI job pages.",
)  # fmt: skip


def run_info() -> dict[str, str]:
    """When, by which command and on what machine a run or a report was made."""
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["wheelnext", *sys.argv[1:]]),
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
    }


def _scenarios(dirs: Sequence[Path], select: Sequence[str]) -> list[Any]:
    from wheelnext.conformance.scenario import load_scenarios

    scenarios = load_scenarios(list(dirs), select=list(select))
    if not scenarios:
        raise click.UsageError("no scenario matches --scenarios/--select")
    return scenarios


def _execute(
    *,
    installers: Sequence[str],
    runner_name: str,
    dirs: Sequence[Path],
    select: Sequence[str],
    jobs: int,
    timeout: float | None,
    pythons: Sequence[str],
    quiet: bool,
    extra_args: Sequence[str] = (),
    index_target: str = "reference",
    index_url: str | None = None,
    upload_command: str | None = None,
    index_personalities: Sequence[str] = (),
    shard: tuple[str, Path | None] | None = None,
    audience: str | None = None,
) -> tuple[list[Record], dict[str, Any], list[Result], Redactor]:
    """Run the suite; its records and meta with every secret the user passed masked."""
    from wheelnext.conformance.adapters import check_specs, make_installers
    from wheelnext.conformance.report import record
    from wheelnext.conformance.run import default_cache, run_suite
    from wheelnext.conformance.runners import make_runner
    from wheelnext.conformance.scenario import suite_digest
    from wheelnext.index.features import DEFAULT, personalities

    scenarios = _scenarios(dirs, select)
    if audience is not None:
        scenarios = [s for s in scenarios if audience in s.audience]
        if not scenarios:
            raise click.UsageError(f"--audience {audience}: no selected scenario is for it")
    redactor = Redactor.from_inputs(
        texts=[index_url or "", *extra_args],
        commands=[upload_command or ""],
        environ=os.environ,
    )
    options: dict[str, Any] = {"index_target": index_target}
    if index_target == "url" or index_url or upload_command:
        from wheelnext.conformance.remote_index import RemoteIndex

        if index_target != "url":
            raise click.UsageError("--index-url and --upload-command go with --index-target url")
        options["remote"] = RemoteIndex(index_url or "", upload_command or "", redactor=redactor)
    runner = make_runner(runner_name, **options)
    served = personalities(index_personalities)
    if served != [DEFAULT] and "personalities" not in runner.features:
        raise click.UsageError(
            f"--index-personality: the {runner.name} runner serves {DEFAULT.name} only"
            " (personalities need --runner venv --index-target reference)"
        )
    plan = _shard_split(shard, scenarios, installers, pythons)
    # Every argument is checked before the first installer is provisioned or baked.
    specs = check_specs(installers)
    if runner_name == "docker":
        from wheelnext.conformance.image import check_bakeable

        check_bakeable(specs)
    cache = default_cache()
    console = Console(stderr=True)
    adapters, resolved = make_installers(installers, cache=cache, notify=console.print)
    python_list: list[str | None] = list(pythons) or [None]
    only, shard_meta = _shard_plan(plan, scenarios, installers, adapters, pythons)
    with Progress(
        TextColumn("[bold]conformance"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=None)

        def planned(count: int) -> None:
            remote = options.get("remote")
            notice = remote.isolation_notice() if remote is not None else None
            if notice:  # said before anything runs, whatever --quiet says
                progress.console.print(notice, markup=False, highlight=False, soft_wrap=True)
            progress.update(task, total=count)

        def advance(result: Result) -> None:
            progress.update(
                task, advance=1, description=f"{result.scenario.id} [{result.installer}]"
            )

        results = run_suite(
            scenarios,
            adapters,
            runner,
            pythons=python_list,
            jobs=jobs,
            timeout=timeout,
            cache=cache,
            progress=advance,
            extra_args=extra_args,
            planned=planned,
            personalities=served,
            only=only,
        )
    meta = {
        "scenario_set": suite_digest(scenarios),
        "scenario_dirs": [str(d) for d in dirs],
        "runner": runner.name,
        "image_digest": runner.image_digest,
        "write_detection": runner.write_detection,
        "process_containment": runner.process_containment,
        "installer_specs": list(installers),
        "installers_resolved": [str(spec) for spec in resolved],
        "python_specs": list(pythons),
        "installer_args": list(extra_args),
        "index_target": index_target,
        "index_personalities": [p.name for p in served],
        **({"index_url": index_url} if index_url else {}),
        **(
            {"upload_command": redactor.command(shlex.split(upload_command))}
            if upload_command
            else {}
        ),
        "select": list(select),
        **run_info(),
        **({"shard": shard_meta} if shard_meta else {}),
    }
    return (
        [record(r, runner=runner.name).redacted(redactor.data) for r in results],
        redactor.data(meta),
        results,
        redactor,
    )


def _shard_split(
    shard: tuple[str, Path | None] | None,
    scenarios: Sequence[Any],
    specs: Sequence[str],
    pythons: Sequence[str],
) -> Plan | None:
    """``--shard K/N`` and ``--durations`` checked, the saved run read; None without them."""
    if shard is None:
        return None
    from wheelnext.conformance.report import load_run
    from wheelnext.conformance.shard import Plan, Shard

    saved = load_run(shard[1])[1] if shard[1] else []
    return Plan.make(Shard.parse(shard[0]), [s.id for s in scenarios], specs, pythons, saved)


def _shard_plan(
    plan: Plan | None,
    scenarios: Sequence[Any],
    specs: Sequence[str],
    adapters: Sequence[Any],
    pythons: Sequence[str],
) -> tuple[set[tuple[int, int, int]] | None, dict[str, Any] | None]:
    """The positions this shard runs, and its meta."""
    if plan is None:
        return None, None
    from wheelnext.conformance import shard as sharding

    mine = plan.mine({spec: a.name for spec, a in zip(specs, adapters, strict=True)})
    position = {
        (s.id, spec, python): (si, ii, pi)
        for si, s in enumerate(scenarios)
        for ii, spec in enumerate(specs)
        for pi, python in enumerate(list(pythons) or [""])
    }
    return {position[job] for job in mine}, sharding.shard_meta(plan.shard, plan.every, mine)


def _write_summary(path: Path | None, records: Sequence[Record], meta: dict[str, Any]) -> None:
    """``--summary-md``: the compact Markdown summary for a CI job page."""
    if path is None:
        return
    from wheelnext.conformance.report import markdown, write_atomic

    write_atomic(path, markdown.render(records, meta))


def _execute_index(
    *, dirs: Sequence[Path], select: Sequence[str], index_target: str,
    index_personalities: Sequence[str] = (),
) -> tuple[list[Record], dict[str, Any], list[Result], Redactor]:
    """An index run: the audience-index scenarios against *index_target*, no installer;
    against the reference index, once per ``--index-personality``."""
    from wheelnext.conformance.index_run import run_index_suite
    from wheelnext.conformance.index_targets import IndexTargetError
    from wheelnext.conformance.report import record
    from wheelnext.conformance.scenario import suite_digest
    from wheelnext.index.features import UnknownPersonality, personalities

    try:
        chosen = personalities(index_personalities)
    except UnknownPersonality as exc:
        raise click.UsageError(str(exc)) from None

    scenarios = _scenarios(dirs, [*select] if select else ["audience:index"])
    scenarios = [s for s in scenarios if "index" in s.audience]
    if not scenarios:
        raise click.UsageError("--audience index: no selected scenario's audience is the index")
    try:
        results = [r for p in chosen
                   for r in run_index_suite(scenarios, index_target, personality=p)]
    except IndexTargetError as exc:
        raise click.UsageError(str(exc)) from None
    redactor = Redactor.from_inputs(texts=[], commands=[], environ=os.environ)
    meta = {
        "audience": "index",
        "scenario_set": suite_digest(scenarios),
        "scenario_dirs": [str(d) for d in dirs],
        "runner": INDEX_RUNNER,
        "image_digest": None,
        "write_detection": None,
        "process_containment": None,
        "installer_specs": [],
        "python_specs": [],
        "installer_args": [],
        "index_target": index_target,
        "select": list(select),
    }
    return [record(r, runner=INDEX_RUNNER) for r in results], meta, results, redactor


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the main thread is, so that Ctrl-C's cleanup runs for it too."""


@contextlib.contextmanager
def cancel_on_sigterm() -> Iterator[None]:
    """Treat SIGTERM (what CI systems send on cancel) as Ctrl-C, then exit 128 + 15.

    Every cleanup path the harness has for Ctrl-C (killing the installers,
    removing containers and the temporary folder) runs on the way out. A
    second SIGTERM during that cleanup is ignored rather than cutting it short.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    except Terminated:
        click.echo("Terminated.", err=True)
        sys.exit(128 + signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Cancellable(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        with cancel_on_sigterm():
            return super().invoke(ctx)


@click.group(cls=_Cancellable)
def conformance() -> None:
    """Certify installers against PEPs 766, 771, 777, 778 and 825, scenario by scenario.

    --json prints JSON on standard output instead of the table; run and report take
    --json FILE ('-': standard output). -q prints totals only, -v more detail.
    """


_scenario_options = [
    click.option(
        "--scenarios",
        "dirs",
        multiple=True,
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="A folder of scenario files (repeatable; default: the shipped set).",
    ),
    click.option(
        "--select", multiple=True,
        help="Only scenarios whose id, group or tag matches (fnmatch), req:ID or pep:N.",
    ),
]


def scenario_options(f: Any) -> Any:
    for option in reversed(_scenario_options):
        f = option(f)
    return f


#: Options that ``run``, ``diff`` and ``verify`` share, declared once.
jobs_option = click.option(
    "-j",
    "--jobs",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Scenarios run in parallel (the output order stays the same).",
)
timeout_option = click.option(
    "--timeout", type=click.FloatRange(min=0.1), help="Seconds per scenario [120]."
)
python_option = click.option(
    "--python", "pythons", multiple=True, help="Python version to test on (repeatable)."
)


@conformance.command()
@click.option(
    "--installer",
    "installers",
    multiple=True,
    metavar="NAME[==VERSION|@PATH][:CONFIG]",
    help="pip, uv, wheelnext or an adapter .toml file; repeatable (default: pip).",
)
@click.option("--runner", "runner_name", default="venv", show_default=True, help="venv or docker.")
@click.option(
    "--index-target",
    default="reference",
    show_default=True,
    help="The index serving the packages: reference (wheelnext's), pypiserver, "
    "static-dumb-pypi (dumb-pypi's pages behind a file server), pypiserver-server (its own "
    "process, filled by upload), devpi (an offline devpi-server), or url.",
)
@click.option(
    "--index-personality",
    "index_personalities",
    multiple=True,
    metavar="NAME",
    help="The reference index's personality: json-full (default), html-plain, "
    "html-dist-info-metadata, html-core-metadata or static; repeatable, each scenario "
    "runs against each.",
)
@click.option(
    "--index-url",
    metavar="URL",
    help="--index-target url: the index's simple URL ({scenario}, {index} placeholders).",
)
@click.option(
    "--upload-command",
    metavar="TEMPLATE",
    help="--index-target url: uploads the packages ({files} or {file}, {url}, {dir}, "
    "{scenario}, {index}).",
)
@scenario_options
@jobs_option
@timeout_option
@python_option
@click.option(
    "--json", "json_out", metavar="FILE", type=click.Path(path_type=Path, allow_dash=True),
    help=JSON_FILE_HELP,
)
@click.option("--junit-xml", type=click.Path(path_type=Path), help="Write JUnit XML.")
@click.option("--html", type=click.Path(path_type=Path), help="Write the HTML matrix page.")
@click.option(
    "--certificate",
    type=click.Path(path_type=Path),
    help="Write a certificate (JSON) and its SVG badge beside it.",
)
@click.option(
    "--xfail",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An expected-failure list (TOML); repeatable.",
)
@click.option(
    "--xfail-shipped",
    is_flag=True,
    help="Also apply the shipped expected-failure list of each installer configuration.",
)
@click.option(
    "--installer-arg",
    "extra_args",
    multiple=True,
    help="An argument appended to every installer command (repeatable).",
)
@click.option(
    "--min-applicable",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    metavar="N",
    help="Exit 4 when fewer than N results applied (not 'not applicable').",
)
@click.option(
    "--audience",
    type=click.Choice(AUDIENCE_CHOICES),
    help="Only scenarios for this role; 'index' runs no installer: the harness fetches "
    "from --index-target (reference, pypiserver, static-dumb-pypi, pypiserver-server or "
    "devpi; the reference index in each --index-personality) and checks what it serves.",
)
@click.option(
    "--shard",
    metavar="K/N",
    help="Run only shard K of N of the scenarios × configurations (merge with 'report').",
)
@click.option(
    "--durations",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="--shard: a saved run (run --json) whose durations balance the shards.",
)
@summary_md_option
@click.option("-q", "--quiet", is_flag=True, help="Totals only: no progress bar, no table.")
@verbose_option
def run(
    installers: tuple[str, ...],
    runner_name: str,
    index_target: str,
    index_personalities: tuple[str, ...],
    index_url: str | None,
    upload_command: str | None,
    dirs: tuple[Path, ...],
    select: tuple[str, ...],
    jobs: int,
    timeout: float | None,
    pythons: tuple[str, ...],
    json_out: Path | None,
    junit_xml: Path | None,
    html: Path | None,
    certificate: Path | None,
    xfail: tuple[Path, ...],
    xfail_shipped: bool,
    extra_args: tuple[str, ...],
    min_applicable: int,
    shard: str | None,
    durations: Path | None,
    summary_md: Path | None,
    quiet: bool,
    verbose: bool,
    audience: str | None = None,
) -> None:
    """Run the scenarios against installers (or, --audience index, an index) and report.

    Each failure is printed with the command that reproduces it alone; serve
    its indexes by hand with ``conformance serve SCENARIO``.

    Exit status: 0 nothing failed unexpectedly (a warn, a SHOULD not met, does
    not count), 1 an unexpected fail or pass, 2 a usage error, 3 the harness
    itself erred, 4 none of the selected scenarios applied (or fewer than
    --min-applicable; not checked for a --shard, whose part may not apply).
    """
    from wheelnext.conformance import report
    from wheelnext.conformance.run import too_few_applied
    from wheelnext.conformance.xfail import annotate, exit_status, load_shipped, load_xfail

    if certificate is not None and len(installers) > 1:
        raise click.UsageError("--certificate covers one --installer; give only one")
    if certificate is not None and len(set(index_personalities)) > 1:
        raise click.UsageError("--certificate covers one --index-personality; give only one")
    if shard is not None and certificate is not None:
        raise click.UsageError("--certificate covers the whole run: merge the shards with 'report'")
    if durations is not None and shard is None:
        raise click.UsageError("--durations balances shards: it goes with --shard")
    lists = [load_xfail(p) for p in xfail]
    if audience == "index":
        if installers or extra_args or pythons or runner_name != "venv":
            raise click.UsageError(
                "--audience index runs no installer: drop --installer, --installer-arg, "
                "--python and --runner"
            )
        records, meta, results, redactor = _execute_index(
            dirs=dirs, select=select, index_target=index_target,
            index_personalities=index_personalities,
        )
    else:
        records, meta, results, redactor = _execute(
            installers=installers or ("pip",),
            runner_name=runner_name,
            dirs=dirs,
            select=select,
            jobs=jobs,
            timeout=timeout,
            pythons=pythons,
            quiet=quiet,
            extra_args=extra_args,
            index_target=index_target,
            index_url=index_url,
            upload_command=upload_command,
            index_personalities=index_personalities,
            shard=(shard, durations) if shard is not None else None,
            audience=audience,
        )
    if xfail_shipped:
        lists += load_shipped(r.installer for r in results)
    results = annotate(results, lists)
    records = [report.record(r, runner=meta["runner"]).redacted(redactor.data) for r in results]
    _outputs(records, meta, json_out=json_out, junit_xml=junit_xml, html=html, quiet=quiet,
             verbose=verbose)  # fmt: skip
    _write_summary(summary_md, records, meta)
    if verbose and meta["write_detection"]:
        click.echo(f"write detection: {meta['write_detection']}", err=True)
    if certificate is not None:
        from wheelnext.conformance.certificate import certificate as make
        from wheelnext.conformance.certificate import write_certificate

        meta["installer_spec"] = (
            index_target if audience == "index" else (installers or ("pip",))[0]
        )
        badge = write_certificate(certificate, make(records, meta))
        if not quiet:
            click.echo(f"certificate: {certificate} (badge {badge})", err=True)
    status = exit_status(results)
    if status == EXIT_OK and shard is None and (why := too_few_applied(results, min_applicable)):
        click.echo(f"conformance run: {why}", err=True)
        status = EXIT_NONE_APPLIED
    sys.exit(status)


def _outputs(
    records: list[Record],
    meta: dict[str, Any],
    *,
    json_out: Path | None,
    junit_xml: Path | None,
    html: Path | None,
    quiet: bool,
    verbose: bool = False,
) -> None:
    """The files asked for, then the table (``-q``: the totals only) on stdout.

    ``--json -`` puts the JSON on stdout, and the table on stderr.
    """
    from wheelnext.commands import conformance_table as terminal
    from wheelnext.conformance import report
    from wheelnext.conformance.report import html as html_report
    from wheelnext.conformance.report import junit

    to_stdout = json_out is not None and str(json_out) == "-"
    if json_out is not None and not to_stdout:
        report.write_json(json_out, records, meta)
    if junit_xml is not None:
        report.write_atomic(junit_xml, junit.render(records, meta.get("scenario_dirs", ())))
    if html is not None:
        report.write_atomic(html, html_report.render(records, meta=meta))
    if to_stdout:
        click.echo(report.json_text(records, meta), nl=False)
    human = terminal.console(stderr=to_stdout)
    if quiet:
        human.print(terminal.summary(records))
        return
    if verbose:
        terminal.observations(records, human)
    terminal.render(records, human, meta.get("scenario_dirs", ()))


@conformance.command("xfail")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A saved run (run --json, or docs/conformance/results.json).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder of lists to write (its lists' reasons are kept where still failing).",
)
@click.option("--runner", "runner_name", default="venv", show_default=True, help="Whose records.")
@click.option("--json", "as_json", is_flag=True, help=JSON_FLAG_HELP)
@click.option("-q", "--quiet", is_flag=True, help="Totals only: one line for all the lists.")
@verbose_option
def xfail_(
    source: Path, out: Path, runner_name: str, as_json: bool, quiet: bool, verbose: bool
) -> None:
    """Write one expected-failure list per installer configuration from a saved run.

    A scenario is listed when it fails with every version of the configuration
    in the run; an entry already in OUT keeps its (reviewed) reason, a new one
    gets the observed failures as its reason, to be reviewed.
    """
    from wheelnext.conformance.report import load_runs, write_atomic
    from wheelnext.conformance.xfail import derive, load_xfail, render

    records = load_runs([source])
    previous = {}
    for path in sorted(out.glob("*.toml")) if out.is_dir() else []:
        listed = load_xfail(path)
        previous[listed.installer or path.stem] = listed
    derived = derive(records, runner=runner_name, previous=previous)
    _warn_if_stale(source)
    if not derived:
        raise click.UsageError(f"--from {source}: no records of the {runner_name} runner")
    summary: list[dict[str, Any]] = []
    for d in derived:
        path = out / f"{d.installer.replace(':', '-')}.toml"
        write_atomic(path, render(d, source=source.name, runner=runner_name))
        summary.append(
            {
                "installer": d.installer,
                "path": str(path),
                "versions": list(d.versions),
                "listed": len(d.reasons),
                "kept": list(d.kept),
                "added": list(d.added),
                "dropped": list(d.dropped),
                "version_dependent": list(d.mixed),
            }
        )
    if as_json:
        click.echo(json.dumps(summary, indent=1))
        return
    if quiet:
        listed = sum(row["listed"] for row in summary)
        click.echo(f"{len(summary)} lists, {listed} scenarios listed")
        return
    for row in summary:
        click.echo(
            f"{row['path']}: {row['listed']} listed ({len(row['added'])} added, "
            f"{len(row['dropped'])} dropped, {len(row['version_dependent'])} version-dependent)"
        )
        if verbose:
            for key in ("added", "dropped", "version_dependent"):
                for sid in row[key]:
                    click.echo(f"  {key.replace('_', '-')}: {sid}")


def _warn_if_stale(source: Path) -> None:
    """A saved run of another scenario set may list scenarios that have changed since."""
    from wheelnext import inputs
    from wheelnext.conformance.report import ReportError
    from wheelnext.conformance.scenario import load_scenarios, suite_digest

    saved = inputs.read_json(source, what="conformance run (--json output)", error=ReportError)
    recorded = saved.get("scenario_set") if isinstance(saved, dict) else None
    current = suite_digest(load_scenarios([]))
    if recorded and recorded != current:
        click.echo(
            f"warning: {source} was made from scenario set {recorded[:12]}, the shipped set is "
            f"{current[:12]}: review the entries of changed scenarios, or run again",
            err=True,
        )


@conformance.command("list")
@scenario_options
@click.option("--json", "as_json", is_flag=True, help=JSON_FLAG_HELP)
@click.option("-q", "--quiet", is_flag=True, help="The count only.")
@click.option("-v", "--verbose", is_flag=True,
              help="More detail: each scenario's requirement ids and file.")
def list_(
    dirs: tuple[Path, ...], select: tuple[str, ...], as_json: bool, quiet: bool, verbose: bool
) -> None:
    """List the scenarios with their spec reference."""
    from rich.table import Table

    from wheelnext.commands.conformance_table import console

    scenarios = _scenarios(dirs, select)
    rows = [
        {
            "id": s.id,
            "group": s.group,
            "title": s.title,
            "level": s.spec.level,
            "section": s.spec.section,
            "requirements": list(s.spec.requirements),
            "path": str(s.path),
            "audience": list(s.audience),
        }
        for s in scenarios
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    if quiet:
        click.echo(f"{len(rows)} scenarios")
        return
    table = Table(title=f"{len(rows)} scenarios")
    names = ("group", "id", "level", "title", *(("requirements", "path") if verbose else ()))
    for name in names:
        table.add_column(name)
    for row in rows:
        table.add_row(*(", ".join(row[n]) if n == "requirements" else row[n] for n in names))
    console().print(table)


def _one_scenario(dirs: Sequence[Path], wanted: str) -> Any:
    from wheelnext.conformance.scenario import load_scenarios

    found = [s for s in load_scenarios(list(dirs)) if s.id == wanted]
    if not found:
        raise click.BadParameter(f"no scenario has the id {wanted!r} (see conformance list)",
                                 param_hint="SCENARIO")  # fmt: skip
    return found[0]


_scenario_dirs_option = _scenario_options[0]


def _complete_scenario(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of SCENARIO: the ids of the shipped set (or of --scenarios)."""
    from wheelnext.conformance.scenario import load_scenarios
    from wheelnext.errors import WheelnextError

    try:
        found = load_scenarios(list(ctx.params.get("dirs") or ()))
    except WheelnextError:
        return []
    return [s.id for s in found if s.id.startswith(incomplete)]


scenario_argument = click.argument(
    "scenario_id", metavar="SCENARIO", shell_complete=_complete_scenario
)


@conformance.command()
@scenario_argument
@_scenario_dirs_option
@click.option("--json", "as_json", is_flag=True, help=JSON_FLAG_HELP.replace("table", "text"))
@click.option("-q", "--quiet", is_flag=True, help="The dependency tree only.")
@click.option("-v", "--verbose", is_flag=True,
              help="More detail: the spec sentence and the scenario's file.")
def show(scenario_id: str, dirs: tuple[Path, ...], as_json: bool, quiet: bool,
         verbose: bool) -> None:  # fmt: skip
    """Print a scenario: its packages as a tree per index, its request, its expectations."""
    from wheelnext.conformance import describe

    scenario = _one_scenario(dirs, scenario_id)
    if as_json:
        click.echo(json.dumps(describe.describe(scenario), indent=1))
        return
    lines = describe.tree(scenario)
    if not quiet:
        head = [f"{scenario.id}: {scenario.title}"]
        if verbose:
            where = f"PEP {scenario.spec.pep}" if scenario.spec.pep else scenario.spec.document
            head += [f"{where}, {scenario.spec.section} ({scenario.spec.level}): "
                     f"{scenario.spec.sentence}", f"file: {scenario.path}"]  # fmt: skip
        request = [f"  {line}" for line in describe.request(scenario.request)]
        expected = [f"  {line}" for line in describe.expectations(scenario)]
        lines = [*head, "", *lines, "", "request:", *request, "", "expected:", *expected]
    for line in lines:
        click.echo(line)


@conformance.command()
@scenario_argument
@_scenario_dirs_option
@click.option("--json", "as_json", is_flag=True,
              help="Print the URLs and the request as one line of JSON instead of text.")
@click.option("-q", "--quiet", is_flag=True, help="The index URLs only.")
@click.option("-v", "--verbose", is_flag=True, help="More detail: each request served.")
def serve(scenario_id: str, dirs: tuple[Path, ...], as_json: bool, quiet: bool,
          verbose: bool) -> None:  # fmt: skip
    """Build a scenario's packages and serve its indexes on 127.0.0.1 until Ctrl-C or SIGTERM.

    Prints each index's URL and the request the scenario makes, so that a tool
    can be run against the indexes by hand (under a debugger). An index the
    scenario makes fail answers its error; a refused one refuses connections.
    """
    from wheelnext.conformance import describe
    from wheelnext.conformance.materialize import default_cache
    from wheelnext.conformance.serve_scenario import serving

    scenario = _one_scenario(dirs, scenario_id)
    with serving(scenario, default_cache() / "packages") as served:
        request = describe.request(scenario.request, served.urls.__getitem__)
        wheel = scenario.request.wheel and served.built.find(scenario.request.wheel)
        if wheel:
            request.append(f"the wheel file is {wheel}")
        if as_json:
            click.echo(json.dumps({"scenario": scenario.id, "indexes": dict(served.urls),
                                   "request": request}))  # fmt: skip
        else:
            for name, url in served.urls.items():
                click.echo(f"{name}: {url}")
            if not quiet:
                click.echo("request:")
                for line in request:
                    click.echo(f"  {line}")
                click.echo("Serving until Ctrl-C.")
        sys.stdout.flush()
        try:
            _wait(served.server if verbose else None)
        except KeyboardInterrupt:
            click.echo("stopped", err=True)


def _wait(logged: Any = None) -> None:
    """Until a signal interrupts; with *logged* (a served index), print each request it gets."""
    if logged is None:
        while True:
            signal.pause()
    seen, idle = 0, threading.Event()
    while not idle.wait(0.2):
        log = list(logged.requests)
        for index, path, status in log[seen:]:
            click.echo(f"{status} {index or ''} {path}", err=True)
        seen = len(log)


@conformance.command("report")
@click.argument("runs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--html", type=click.Path(path_type=Path), help="Write the merged HTML matrix.")
@click.option("--junit-xml", type=click.Path(path_type=Path), help="Write merged JUnit XML.")
@click.option(
    "--json", "json_out", metavar="FILE", type=click.Path(path_type=Path, allow_dash=True),
    help=JSON_FILE_HELP,
)
@click.option(
    "--certificate",
    type=click.Path(path_type=Path),
    help="Shards: write the whole run's certificate (JSON) and its SVG badge beside it.",
)
@summary_md_option
@click.option("-q", "--quiet", is_flag=True, help="Totals only: no table.")
@verbose_option
@click.option(
    "--audience",
    type=click.Choice(AUDIENCE_CHOICES),
    help="Only the results of scenarios for this role (installer, index...).",
)
def report_(
    runs: tuple[Path, ...],
    html: Path | None,
    junit_xml: Path | None,
    json_out: Path | None,
    certificate: Path | None,
    summary_md: Path | None,
    quiet: bool,
    verbose: bool,
    audience: str | None = None,
) -> None:
    """Merge saved runs (written by run --json) into one matrix.

    Each failure is printed with the command that reproduces it alone.
    The shards of one run (run --shard K/N) merge into that run: all N must be
    given, from the same command line and scenario set, covering every
    scenario × configuration exactly once; anything else is refused (exit 2).
    """
    from wheelnext.conformance.report import load_runs

    merged = _merge_shards(runs)
    if merged is not None:
        records, meta = merged
        meta = {**meta, **run_info()}
    else:
        if certificate is not None:
            raise click.UsageError("--certificate: merge the shards of one run (run --shard)")
        records = load_runs(runs)
        meta = {"merged_from": [str(p) for p in runs], **run_info()}
    if audience is not None:
        records = [r for r in records if audience in r.audience]
    _outputs(records, meta, json_out=json_out, junit_xml=junit_xml, html=html, quiet=quiet,
             verbose=verbose)  # fmt: skip
    _write_summary(summary_md, records, meta)
    if certificate is not None:
        from wheelnext.conformance.certificate import certificate as make
        from wheelnext.conformance.certificate import write_certificate

        specs = meta.get("installer_specs") or ["pip"]
        if len(specs) != 1:
            raise click.UsageError("--certificate covers one --installer; the shards ran several")
        badge = write_certificate(certificate, make(records, {**meta, "installer_spec": specs[0]}))
        if not quiet:
            click.echo(f"certificate: {certificate} (badge {badge})", err=True)


def _merge_shards(runs: Sequence[Path]) -> tuple[list[Record], dict[str, Any]] | None:
    """The one run that saved shards make up; None when no run given is a shard."""
    from wheelnext.conformance.report import load_run
    from wheelnext.conformance.shard import merge

    loaded = [(path, *load_run(path)) for path in runs]
    if not any("shard" in meta for _, meta, _ in loaded):
        return None
    return merge(loaded)


@conformance.command()
@click.argument("cert", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@scenario_options
@click.option("--rerun", is_flag=True, help="Run the suite again and compare every result.")
@jobs_option
@click.option("--json", "as_json", is_flag=True, help=JSON_FLAG_HELP)
@click.option("-q", "--quiet", is_flag=True, help="The verdict only (the last line).")
@verbose_option
def verify(
    cert: Path,
    dirs: tuple[Path, ...],
    select: tuple[str, ...],
    rerun: bool,
    jobs: int,
    as_json: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Check a certificate: its own consistency and its scenario set; with --rerun, its results.

    Without --rerun nothing shows that the results are real: the digest detects
    accidental edits only, since anyone can recompute it. Only --rerun runs the
    installer again and may say the results were reproduced.

    Exit status 0 when every check made passed (with --rerun: the results were
    reproduced), 1 when one did not.
    """
    from wheelnext.conformance.certificate import (
        certificate,
        compare,
        inconsistencies,
        load_certificate,
    )
    from wheelnext.conformance.scenario import suite_digest

    data = load_certificate(cert)
    dirs = dirs or tuple(Path(d) for d in data.get("scenario_dirs", []))
    select = select or tuple(data.get("select", []))
    index_run = data.get("audience") == "index"
    scenarios = _scenarios(dirs, select or (("audience:index",) if index_run else ()))
    if index_run:
        scenarios = [s for s in scenarios if "index" in s.audience]
    digest = suite_digest(scenarios)
    problems = inconsistencies(data)
    report: dict[str, Any] = {
        "certificate": str(cert),
        "consistent": not problems,
        "inconsistencies": problems,
        "scenario_set": digest,
        "scenario_set_matches": digest == data.get("scenario_set"),
        "scenarios": len(scenarios),
        "checked": [
            "the certificate's own consistency (its digest, its totals against its results)",
            "the scenario-set hash against this suite",
        ],
        "not_checked": [] if rerun else [NOT_SHOWN_WITHOUT_RERUN],
        "reproduced": None,
    }
    rerun_records: list[Record] = []
    lines = [f"{cert}: checked the certificate's own consistency and its scenario-set hash"]
    if problems:
        lines.append(f"inconsistent: {'; '.join(problems)}")
    else:
        lines.append("consistent: the digest and the totals match its results")
    if report["scenario_set_matches"]:
        lines.append(
            f"scenario set {digest[:12]} matches this suite ({len(scenarios)} scenarios)"
        )
    else:
        lines.append(
            f"scenario set differs (certificate {str(data.get('scenario_set'))[:12]}, "
            f"this suite {digest[:12]})"
        )
    if not rerun:
        lines.append(f"not checked: {NOT_SHOWN_WITHOUT_RERUN}")
    elif not report["scenario_set_matches"]:
        report["reproduced"] = False
        lines.append("not reproduced: the scenario set differs, so the suite was not run again")
    else:
        runner_name, _, target = str(data["runner"]).partition("+")
        if index_run:
            records, meta, _, _ = _execute_index(
                dirs=dirs, select=select, index_target=data["index"]["spec"]
            )
        else:
            records, meta, _, _ = _execute(
                installers=[data["installer"]["spec"]],
                runner_name=runner_name,
                dirs=dirs,
                select=select,
                jobs=jobs,
                timeout=None,
                pythons=[p for p in data.get("python_specs", []) if p],
                quiet=True,
                extra_args=data.get("installer_args", []),
                index_target=target or "reference",
            )
        subject = "index" if index_run else "installer"
        meta["installer_spec"] = data[subject]["spec"]
        rerun_records = records
        fresh = certificate(records, meta)
        data = {**data, "installer": data[subject]}
        fresh = {**fresh, "installer": fresh[subject]}
        report["installer_version"] = fresh["installer"]["version"]
        report["installer_version_matches"] = (
            fresh["installer"]["version"] == data["installer"]["version"]
        )
        report["differences"] = compare(data["results"], fresh["results"])
        if not report["installer_version_matches"]:
            lines.append(
                f"installer version differs: certified {data['installer']['version']}, "
                f"now {fresh['installer']['version']}"
            )
        lines += report["differences"]
        report["reproduced"] = (
            report["installer_version_matches"] and not report["differences"]
        )
        if report["reproduced"]:
            lines.append(f"reproduced: the rerun gave all {len(fresh['results'])} results again")
        else:
            lines.append(f"not reproduced: {len(report['differences'])} results differ")
    if as_json:
        click.echo(json.dumps(report, indent=1))
    else:
        if verbose and rerun_records:
            from wheelnext.commands import conformance_table as terminal

            terminal.observations(records, terminal.console())
        for line in lines[-1:] if quiet else lines:
            click.echo(line)
    if problems or not report["scenario_set_matches"] or report["reproduced"] is False:
        sys.exit(1)


#: What ``verify`` without ``--rerun`` cannot show, said every time.
NOT_SHOWN_WITHOUT_RERUN = (
    "that the results are real: the digest detects accidental edits only, since anyone can "
    "recompute it; verify --rerun runs the installer again"
)


@conformance.command()
@click.option("--installer", "installers", multiple=True, required=True, help="Repeat 2+ times.")
@click.option("--runner", "runner_name", default="venv", show_default=True)
@scenario_options
@jobs_option
@timeout_option
@python_option
@click.option("--json", "as_json", is_flag=True, help=JSON_FLAG_HELP)
@click.option("-q", "--quiet", is_flag=True, help="Totals only: how many scenarios differ.")
@verbose_option
def diff(
    installers: tuple[str, ...],
    runner_name: str,
    dirs: tuple[Path, ...],
    select: tuple[str, ...],
    jobs: int,
    timeout: float | None,
    pythons: tuple[str, ...],
    as_json: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Run installers side by side, with no expectations, and show where they differ."""
    from rich.table import Table

    from wheelnext.commands import conformance_table as terminal
    from wheelnext.conformance.diff import differences

    if len(installers) < 2:
        raise click.UsageError("diff needs --installer at least twice")
    records, _, _, _ = _execute(
        installers=installers,
        runner_name=runner_name,
        dirs=dirs,
        select=select,
        jobs=jobs,
        timeout=timeout,
        pythons=pythons,
        quiet=as_json or quiet,
    )
    found = differences(records)
    if as_json:
        click.echo(json.dumps(found, indent=1))
        return
    title = f"{len(found)} scenarios where the installers differ"
    if quiet:
        click.echo(title)
        return
    if verbose:
        terminal.observations(records, terminal.console())
    table = Table(title=title)
    table.add_column("scenario")
    labels = sorted({label for d in found for label in d["decisions"]})
    for label in labels:
        table.add_column(label)
    for d in found:
        table.add_row(d["scenario"], *(d["decisions"].get(label, "—") for label in labels))
    terminal.console().print(table)


@conformance.group()
def image() -> None:
    """Container images for the docker runner."""


@image.command("build")
@click.option("--base", help="Use this image instead of building one with debootstrap.")
@click.option("--installer", "installers", multiple=True, help="Installer to bake in (repeatable).")
@click.option("--harness", "suite", is_flag=True,
              help="Also build the self-contained harness image: wheelnext on PATH and the "
                   "--installer installers provisioned, for `docker run IMAGE wheelnext "
                   "conformance run ...` (move it with docker save / docker load).")
def image_build(base: str | None, installers: tuple[str, ...], suite: bool) -> None:
    """Build the base image (debootstrap + docker import) and per-installer images."""
    try:
        from wheelnext.conformance import image as image_module  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        from wheelnext.conformance.runners import RunnerError

        raise RunnerError("image build: the docker runner is not available yet") from None
    if suite:
        from wheelnext.conformance.suite_image import build_cli as build_suite

        build_suite(base=base, installers=installers)
        return
    image_module.build_cli(base=base, installers=installers)


@conformance.command()
@scenario_options
@click.option("--rule", "rules", multiple=True,
              help="Knock out only this installer rule (repeatable; default: every rule).")
@click.option("--tracing", is_flag=True,
              help="Run each knockout only over the scenarios tracing to its rule's "
                   "requirements (for a rule without requirement ids: the scenarios "
                   "conformance/power_exceptions.toml names as its killers).")
@click.option("--index-feature", "index_features", multiple=True, metavar="FEATURE",
              help="Knock out only this feature of the reference index (repeatable; default: "
              "every feature, or none when --rule is given).")
@jobs_option
@timeout_option
@click.option("--json", "as_json", is_flag=True, help=JSON_FLAG_HELP)
@click.option("-q", "--quiet", is_flag=True, help="Totals only: rules killed and holes.")
@click.option("-v", "--verbose", is_flag=True,
              help="More detail: every scenario that kills each rule.")
def power(
    dirs: tuple[Path, ...],
    select: tuple[str, ...],
    rules: tuple[str, ...],
    tracing: bool,
    index_features: tuple[str, ...],
    jobs: int,
    timeout: float | None,
    as_json: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Measure the suite's power to fail: knock out each rule of the reference installer,
    and each feature of the reference index.

    For every rule, the scenarios run against the reference installer with that one rule
    removed (in a process of its own); a scenario that holds for the full installer and fails
    for the knockout kills it. For every index feature, the scenarios that exercise it run
    with the reference installer against the reference index less that feature (served from
    a process of its own); a scenario whose status worsens kills it. Without --rule or
    --index-feature both sides are measured; with only one of them, only that side
    (--tracing narrows the rule side only). Exit status 1 when a knockout survives every
    scenario (a hole in the suite) and is not a known hole of
    conformance/power_exceptions.toml, 0 otherwise.
    """
    from wheelnext.conformance.power import (
        FeaturePower,
        RulePower,
        measure,
        measure_index,
        measure_tracing,
        select_features,
        select_rules,
    )
    from wheelnext.conformance.power_known import known
    from wheelnext.conformance.run import default_cache
    from wheelnext.conformance.runners import make_runner

    scenarios = _scenarios(dirs, select)
    both = not rules and not index_features
    chosen = select_rules(rules) if rules or both else []
    features = select_features(index_features) if index_features or both else []
    runner = make_runner("venv", index_target="reference")
    console = Console(stderr=True)
    table: list[RulePower | FeaturePower] = []
    with Progress(TextColumn("[bold]power"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True, disable=as_json or quiet) as bar:
        task = bar.add_task("", total=None)
        options: dict[str, Any] = {
            "jobs": jobs, "timeout": timeout, "cache": default_cache(),
            "progress": lambda _result: bar.advance(task)}
        if chosen:
            rule_options = {**options, "rules": chosen,
                            "planned": lambda count: bar.update(task, total=count)}
            if tracing:
                rows, _ = measure_tracing(scenarios, runner, also=known().killers,
                                          **rule_options)
            else:
                rows, _ = measure(scenarios, runner, **rule_options)
            table += rows
        if features:
            done = bar.tasks[0].completed

            def planned(count: int) -> None:
                bar.update(task, total=done + count)

            index_rows, _ = measure_index(scenarios, runner, features=features,
                                          planned=planned, **options)
            table += index_rows
    if as_json:
        click.echo(json.dumps([row.to_json() for row in table], indent=1))
    elif quiet:
        verdicts = [row.verdict for row in table]
        click.echo(", ".join(f"{v}: {verdicts.count(v)}" for v in sorted(set(verdicts)))
                   or "no rules")  # fmt: skip
    else:
        from rich.table import Table

        from wheelnext.commands.conformance_table import console as wide

        shown = Table(title=f"power of {len(scenarios)} scenarios over {len(chosen)} rules"
                      f" and {len(features)} index features")
        for column in ("rule", "verdict", "killed by", "tracing scenarios that survive"):
            shown.add_column(column)
        for row in table:
            verdict = row.verdict
            if isinstance(row, FeaturePower) and verdict == "cannot separate":
                verdict += f": {row.feature.unseparable}"
            killers = row.killed_by if verbose else row.killed_by[:3]
            more = len(row.killed_by) - len(killers)
            shown.add_row(row.rule, verdict,
                          ", ".join(killers) + (f" (+{more} more, -v)" if more else "") or "—",
                          ", ".join(row.traced_survivors) or "—")
        wide().print(shown)
    if any(row.verdict == "hole" and not (isinstance(row, RulePower) and row.known_hole)
           for row in table):
        sys.exit(1)
