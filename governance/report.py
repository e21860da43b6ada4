"""Result reports in the shape of the published PEP 81xx election results (Markdown)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def _table(rows: list[tuple[str, str]], head: tuple[str, str]) -> list[str]:
    out = [f"| {head[0]} | {head[1]} |", "|---|---:|"]
    out.extend(f"| {a} | {b} |" for a, b in rows)
    return out


def markdown(result: Mapping[str, Any]) -> str:
    """Results section like PEPs 8105/8106: turnout, winners, conflicts, full counts."""
    lines = [f"# {result['title']}", "", "## Results", ""]
    q = result["quorum"]
    if q["electors"] is not None:
        lines.append(f"Of {q['electors']} eligible voters, {result['ballots_cast']} cast ballots.")
        lines.append("")
        lines.append("Quorum (50% of Electors, rule " + q["rule"] + ") was "
                     + ("met." if q["met"] else "**not** met: no one is elected."))
    else:
        lines.append(f"{result['ballots_cast']} ballots were cast "
                     "(number of eligible voters not given: quorum not checked).")
    lines.append("")
    if result["ballots_rejected"]:
        lines.append(f"{result['ballots_rejected']} ballots were rejected "
                     "(see the rejection report).")
        lines.append("")
    elected = result["elected"]
    count = _WORDS.get(len(elected), str(len(elected)))
    lines.append(f"The {'top ' if result['method'] == 'approval' else ''}{count} "
                 f"{'vote-getters' if result['method'] == 'approval' else 'winners'} are:")
    lines.append("")
    lines.extend(f"* {n}" for n in elected)
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
