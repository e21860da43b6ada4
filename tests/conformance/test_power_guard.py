"""The CI guard of the suite's power (issue #13): every knockout killed by its own scenarios.

For each rule of the reference installer (:data:`wheelnext.install.rules.DEFAULT_RULES`) the
knockout runs only over the scenarios tracing to the rule's requirement ids (for a rule
without ids: the scenarios ``conformance/power_exceptions.toml`` names as its killers). Each
knockout must be killed by one of them, unless the file lists it as a known hole with why;
a listed hole that is killed fails too, so the list cannot go stale. Likewise per requirement
id: each id of a killed rule must be traced by one of its killers, unless ``[unkilled]``
lists it with why (and then it must not be). This is
``wheelnext conformance power --tracing -j 2``: about three minutes on two cores.
"""

from __future__ import annotations

import pytest

from wheelnext.conformance.power import measure_tracing
from wheelnext.conformance.power_known import known
from wheelnext.conformance.run import default_cache
from wheelnext.conformance.runners import make_runner
from wheelnext.conformance.scenario import load_scenarios
from wheelnext.install.rules import DEFAULT_RULES


@pytest.mark.slow
def test_every_knockout_is_killed_by_its_tracing_scenarios() -> None:
    exceptions = known()
    scenarios = load_scenarios([])
    traces = {scenario.id: set(scenario.spec.requirements) for scenario in scenarios}
    table, _ = measure_tracing(scenarios, make_runner("venv", index_target="reference"),
                               rules=DEFAULT_RULES, also=exceptions.killers, jobs=2,
                               cache=default_cache())
    problems = []
    for row in table:
        if row.rule in exceptions.killers:
            missing = set(exceptions.killers[row.rule]) - set(row.killed_by)
            if missing:
                problems.append(f"{row.rule}: no longer killed by {sorted(missing)}")
        elif row.rule in exceptions.holes:
            if row.traced_killers:
                problems.append(f"{row.rule}: listed as a known hole but killed by "
                                f"{list(row.traced_killers)}; remove it from the list")
        elif not row.traced_killers:
            problems.append(f"{row.rule}: survives every tracing scenario "
                            f"{list(row.traced_survivors)}")
        else:
            for requirement in row.requirement_ids:
                killed = any(requirement in traces[s] for s in row.traced_killers)
                if not killed and requirement not in exceptions.unkilled:
                    problems.append(f"{row.rule}: no scenario tracing to {requirement} kills it")
                elif killed and requirement in exceptions.unkilled:
                    problems.append(f"{requirement}: listed as unkilled but a scenario tracing "
                                    f"to it kills {row.rule}; remove it from the list")
    assert not problems, "\n".join(problems)
