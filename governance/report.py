"""Result reports in the shape of the published PEP 81xx election results (Markdown)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_WORDS = {2: "two", 3: "three", 4: "four", 5: "five"}


def _ballots(n: int) -> str:
    return f"{n} ballot was" if n == 1 else f"{n} ballots were"


def percent(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a percentage with one decimal, rounded half up, in integer
    arithmetic (no floating point appears in a tally or its report)."""
    tenths = (2000 * part + whole) // (2 * whole)
    return f"{tenths // 10}.{tenths % 10}%"


def _winners_line(method: str, n: int) -> str:
    approval = method == "approval"
    if n == 1:
        return "The top vote-getter is:" if approval else "The winner is:"
    count = _WORDS.get(n, str(n))
    return f"The top {count} vote-getters are:" if approval else f"The {count} winners are:"


def _table(rows: list[tuple[str, str]], head: tuple[str, str]) -> list[str]:
    out = [f"| {head[0]} | {head[1]} |", "|---|---:|"]
    out.extend(f"| {a} | {b} |" for a, b in rows)
    return out


def markdown(result: Mapping[str, Any]) -> str:
    """Results section like PEPs 8105/8106: turnout, winners, conflicts, full counts."""
    lines = [f"# {result['title']}", "", "## Results", ""]
    q = result["quorum"]
    if q["electors"] is not None:
        lines.append(f"Of {q['electors']} eligible voters, {result['ballots_cast']} cast ballots."
                     + (f" Turnout: {percent(result['ballots_cast'], q['electors'])}."
                        if q["electors"] else ""))
        lines.append("")
        lines.append("Quorum (50% of Electors, rule " + q["rule"] + ") was "
                     + ("met." if q["met"] else "**not** met: no one is elected."))
    else:
        lines.append(f"{result['ballots_cast']} ballots were cast "
                     "(number of eligible voters not given: quorum not checked).")
    lines.append("")
    if result["ballots_rejected"]:
        lines.append(f"{_ballots(result['ballots_rejected'])} rejected "
                     "(see the rejection report).")
        lines.append("")
    elected = result["elected"]
    if elected:
        lines.append(_winners_line(result["method"], len(elected)))
        lines.append("")
        lines.extend(f"* {n}" for n in elected)
        lines.append("")
    vacancies = result.get("vacancies", 0)
    if vacancies:
        lines.append(f"{vacancies} seat{' was' if vacancies == 1 else 's were'} left vacant, "
                     "to be filled as normal (PEP 772, Vacancies).")
        lines.append("")
    if result["cohorts"]:
        lines.append("Cohort A (two-year term): " + ", ".join(result["cohorts"]["A"]) + ".")
        lines.append("Cohort B (one-year term): " + ", ".join(result["cohorts"]["B"]) + ".")
        lines.append("")
    if result["disqualified"] or result["excluded"]:
        for d in result["excluded"]:
            lines.append(f"* {d['name']} could not be seated ({d['rule']}).")
        for d in result["disqualified"]:
            lines.append(f"* {d['name']} was disqualified (entity limit: "
                         f"{', '.join(d['entities'])}).")
        for d in result["requalified"]:
            broken = f" (breaking the entity limit of {', '.join(d['entities'])})" if (
                d["entities"]) else ""
            lines.append(f"* {d['name']} was re-qualified to complete the council{broken}.")
        lines.append("")
    else:
        lines.append("No conflict of interest as defined in PEP 772 was observed.")
        lines.append("")
    lines.append("The full vote counts (before any exclusions) are as follows:")
    lines.append("")
    head = ("Candidate", "Votes Received" if result["method"] == "approval" else "Total Stars")
    lines.extend(_table([(n, str(v)) for n, v in sorted(result["totals"].items())], head))
    lines.append("")
    for rnd in result["rounds"]:
        lines.append(f"### Round {rnd['round']}")
        lines.append("")
        lines.append("Scoring round: " + ", ".join(f"{n} {s}" for n, s in rnd["scoring"]) + ".")
        for step in rnd.get("scoring_tiebreak", []):
            numbers = step.get("losses") or step.get("counts")
            detail = (", ".join(f"{n} {v}" for n, v in numbers.items()) if numbers
                      else "chosen " + ", ".join(step.get("chosen", [])))
            lines.append(f"Scoring-round tie among {', '.join(step['among'])}, "
                         f"{step['step']}: {detail}.")
        if "finalists" in rnd:
            a, b = rnd["finalists"]
            run = rnd["runoff"]
            lines.append(f"Automatic runoff: {run[a]} prefer {a}, {run[b]} prefer {b}, "
                         f"{run['equal']} equal.")
        lines.append(f"Winner: **{rnd['winner']}** ({rnd['decided_by']}).")
        lines.append("")
    if result["ties"]:
        lines.append("### Ties")
        lines.append("")
        for t in result["ties"]:
            lines.append(f"* {t['stage']}: {', '.join(t['tied'])} for {t['needed']}; "
                         f"chosen {', '.join(t['chosen'])} by {t['how']} {t['detail']}".rstrip())
        lines.append("")
    if result["findings"]:
        lines.append("### Rejection report")
        lines.append("")
        lines.append("| Ballot | Rule | Counted | Detail |")
        lines.append("|---|---|---|---|")
        for f in result["findings"]:
            lines.append(f"| {f['ballot']} | {f['rule']} | {'yes' if f['counted'] else 'no'} "
                         f"| {f['detail']} |")
        lines.append("")
    return "\n".join(lines)
