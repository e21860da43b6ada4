"""``wheelnext governance``: tally elections, decide votes and motions, verify audits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from wheelnext.commands.governance_progress import RichReadProgress
from wheelnext.governance.audit import (
    audit_record,
    check_target,
    motion_arguments,
    no_confidence_arguments,
    verify_audit,
    vote_audit_record,
    write_atomic,
)
from wheelnext.governance.errors import GovernanceError
from wheelnext.governance.report import markdown
from wheelnext.governance.tally import METHODS, TallyInputs, TallyOptions, run_tally
from wheelnext.governance.votes import Motion, NoConfidence

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_AUDIT = click.option("--audit", type=click.Path(dir_okay=False, path_type=Path),
                      help="Write the audit log here (verify it with 'governance verify').")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _emit(data: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        for line in lines:
            click.echo(line)


class _OneLineErrors(click.Group):
    """Turns click's usage errors in the sub-commands (missing file, unknown choice, number
    out of range) into a one-line :class:`GovernanceError` naming the command and input,
    so that ``wheelnext`` prints ``error: ...`` and exits 2 like any other bad input."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else ctx.command_path
            message = " ".join(exc.format_message().split())
            raise GovernanceError(f"{where}: {message}") from None


@click.group(cls=_OneLineErrors)
def governance() -> None:
    """Packaging Council elections, votes and motions under PEP 772."""


@governance.command()
@click.argument("ballots", type=_FILE)
@click.option("--method", type=click.Choice(METHODS), default="approval", show_default=True,
              help="approval: top N by count (PSF Board); bloc-star: Multi-winner Bloc STAR.")
@click.option("--seats", type=click.IntRange(1, 5), default=5, show_default=True)
@click.option("--candidates", type=_FILE,
              help="Candidates (JSON with entities, psf_staff, steering_council, sitting, "
              "outgoing) "
              "or one name per line.")
@click.option("--electors", type=click.IntRange(0), help="Number of eligible Electors (quorum).")
@click.option("--roll", type=_FILE, help="Elector roll, one id per line (ballots must match).")
@click.option("--format", "ballot_format", default="auto", show_default=True,
              type=click.Choice(["auto", "csv", "json", "opavote", "helios", "bettervoting"]))
@click.option("--max-score", type=click.IntRange(1), help="Highest mark (default 1 or 5).")
@click.option("--seed", default="", help="Published seed for the random tie draw.")
@click.option("--draw", type=click.Choice(["sha256", "psf"]), default="sha256", show_default=True)
@click.option("--agreements", type=_FILE, help="JSON list of recorded tie agreements.")
@click.option("--quorum", type=click.Choice(["at-least-half", "more-than-half"]),
              default="at-least-half", show_default=True)
@click.option("--cohort-by", type=click.Choice(["rank", "total"]), default="rank",
              show_default=True, help="What 'highest number of votes' means for cohorts.")
@click.option("--star-disqualified", type=click.Choice(["skip", "recount"]), default="skip",
              show_default=True,
              help="Bloc STAR: skip a disqualified winner, or re-run every round without them.")
@click.option("--sitting-count", type=click.Choice(["continuing", "all"]), default="continuing",
              show_default=True,
              help="Partial elections: count the members who continue ('sitting' list), or "
              "the whole council as it sits before the election ('sitting' + 'outgoing').")
@click.option("--partial-cap", type=click.Choice(["guarantee", "requalify"]),
              default="guarantee", show_default=True,
              help="Partial elections: leave a seat vacant rather than seat a third member of "
              "an entity on the whole council, or re-qualify as in a whole-council election.")
@click.option("--star-scoring-ties", type=click.Choice(["matchups", "bettervoting"]),
              default="matchups", show_default=True,
              help="Bloc STAR, three or more tied in a scoring round: eliminate the most "
              "match-ups lost, or BetterVoting's most ballot-weighted losses.")
@click.option("--ties-before-exclusions/--ties-after-exclusions", "ties_before",
              default=False, show_default=True,
              help="Break equal-vote ties with PSF staff and Steering Council members still "
              "in them (Bloc STAR: they stay in the rounds), or only among the eligible.")
@click.option("--title", default="Packaging Council election", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--report-md", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the Markdown result report here.")
@_AUDIT
def tally(
    ballots: Path, method: str, seats: int, candidates: Path | None, electors: int | None,
    roll: Path | None, ballot_format: str, max_score: int | None, seed: str, draw: str,
    agreements: Path | None, quorum: str, cohort_by: str, star_disqualified: str,
    sitting_count: str, partial_cap: str, star_scoring_ties: str, ties_before: bool,
    title: str, as_json: bool,
    report_md: Path | None, audit: Path | None,
) -> None:
    """Count BALLOTS and apply the PEP 772 council rules."""
    options = TallyOptions(
        method=method, seats=seats, electors=electors, seed=seed, draw=draw, quorum=quorum,
        cohort_by=cohort_by, star_disqualified=star_disqualified, max_score=max_score,
        ballot_format=ballot_format, title=title, sitting_count=sitting_count,
        tie_order="before-exclusions" if ties_before else "after-exclusions",
        partial_cap=partial_cap, star_scoring_ties=star_scoring_ties,
    )
    inputs = TallyInputs(ballots, candidates, roll, agreements)
    for target in (report_md, audit):
        if target is not None:
            check_target(target)
    with RichReadProgress(f"reading {ballots.name}") as progress:
        result = run_tally(inputs, options, progress)
    report = markdown(result.result)
    record = audit_record(inputs, options, result) if audit is not None else None
    if report_md is not None:
        write_atomic(report_md, report + "\n")
    if audit is not None and record is not None:
        _write_json(audit, record)
    _emit(result.result, as_json, report.splitlines())


@governance.command("no-confidence")
@click.option("--target", required=True,
              help="A member's name, or 'council' for the whole council.")
@click.option("--electors", type=click.IntRange(0), required=True)
@click.option("--against", "lack", type=click.IntRange(0), required=True,
              help="Electors expressing a lack of confidence.")
@click.option("--for", "support", type=click.IntRange(0), default=0, help="Votes of confidence.")
@click.option("--basis", type=click.Choice(["electors", "voters"]), default="electors",
              show_default=True, help="Two thirds of all Electors, or of those who voted.")
@click.option("--quorum", type=click.Choice(["at-least-half", "more-than-half"]),
              default="at-least-half", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@_AUDIT
def no_confidence(target: str, electors: int, lack: int, support: int, basis: str, quorum: str,
                  as_json: bool, audit: Path | None) -> None:
    """Decide a vote of no confidence in a member or the whole council."""
    vote = NoConfidence(target, electors, lack, support, basis, quorum)
    data = vote.decide()
    if audit is not None:
        _write_json(audit, vote_audit_record("no-confidence", no_confidence_arguments(vote)))
    _emit(data, as_json, [
        f"No confidence in {target} ({data['kind']}): {lack} against, {support} for, "
        f"{electors} electors.",
        f"Quorum: {'met' if data['quorum_met'] else 'not met'}; two thirds ({basis}): "
        f"{'met' if data['two_thirds_met'] else 'not met'}.",
        f"Result: {'succeeds' if data['succeeds'] else 'fails'}; "
        f"consequence: {data['consequence']}.",
    ])


@governance.command()
@click.option("--vote", "votes", multiple=True, required=True, metavar="MEMBER=VOTE",
              help="yes, no, abstain or conflicted; repeat for each member.")
@click.option("--replaces",
              help="The out-of-touch member this motion replaces (recorded as abstaining).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@_AUDIT
def motion(votes: tuple[str, ...], replaces: str | None, as_json: bool,
           audit: Path | None) -> None:
    """Decide a Packaging Council motion."""
    parsed: dict[str, str] = {}
    for item in votes:
        member, sep, vote = item.partition("=")
        if not sep or not member.strip():
            raise click.BadParameter(f"{item!r} is not MEMBER=VOTE", param_hint="--vote")
        if member.strip() in parsed:
            raise click.BadParameter(f"{member.strip()} voted twice", param_hint="--vote")
        parsed[member.strip()] = vote.strip().lower()
    decision = Motion(parsed, replaces)
    data = decision.decide()
    if audit is not None:
        _write_json(audit, vote_audit_record("motion", motion_arguments(decision)))
    _emit(data, as_json, [
        *[str(r) for r in data["rules"]],  # type: ignore[attr-defined]
        f"yes {data['yes']}, no {data['no']}, abstain {data['abstain']}: {data['outcome']}.",
    ])


@governance.command("verify")
@click.argument("audit", type=_FILE)
@click.option("--ballots", type=_FILE, help="Use this ballot file instead of the recorded path.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def verify_command(audit: Path, ballots: Path | None, as_json: bool) -> None:
    """Recompute the result recorded in AUDIT (a tally, no-confidence or motion audit log)
    and confirm it (exit 2 on mismatch)."""
    with RichReadProgress(f"reading the ballots of {audit.name}") as progress:
        verified = verify_audit(audit, {"ballots": ballots} if ballots else None, progress)
    result = verified.result
    data: dict[str, Any] = {"verified": True, "kind": verified.kind}
    if verified.kind == "tally":
        data["elected"] = result["elected"]
        summary = "elected " + ", ".join(result["elected"])
    elif verified.kind == "no-confidence":
        data["succeeds"] = result["succeeds"]
        summary = f"no confidence in {result['target']} " + (
            "succeeds" if result["succeeds"] else "fails")
    else:
        data["passed"] = result["passed"]
        summary = f"motion {result['outcome']}"
    _emit(data, as_json, [f"verified: {audit} ({verified.kind}) recomputes to the same result; "
                          + summary])
