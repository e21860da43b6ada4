"""JUnit XML: one test case per record, for CI systems.

A ``warn`` (a SHOULD, SHOULD NOT or MAY not met) is a passed test case that
carries the warning in a ``warning`` property and at the head of its output:
CI stays green, and the warning is there for whoever reads the case.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from wheelnext.conformance.record import Record
from wheelnext.conformance.report import column, column_label
from wheelnext.conformance.reproduce import command, needs_reproducing


def render(records: Sequence[Record], scenario_dirs: Sequence[str] = ()) -> str:
    """The XML; *scenario_dirs* (the run's ``--scenarios``) go into each reproduce command."""
    suites = ET.Element("testsuites", name="wheelnext conformance")
    by_column: dict[tuple[str, ...], list[Record]] = {}
    for r in records:
        by_column.setdefault(column(r), []).append(r)
    for col, rows in by_column.items():
        suite = ET.SubElement(suites, "testsuite", name=column_label(col), tests=str(len(rows)))
        counts = {"failures": 0, "errors": 0, "skipped": 0}
        for r in rows:
            case = ET.SubElement(
                suite, "testcase", classname=r.group.replace(" ", ""), name=r.scenario
            )
            status, annotation = r.status, r.annotation
            reproduce = f"reproduce: {command(r, scenario_dirs)}" if needs_reproducing(r) else ""
            warning = ""
            if status == "warn":
                warning = f"{r.spec.level} not met: " + "; ".join(r.failures)
                if annotation:
                    warning += f" ({annotation}: {r.reason})"
                properties = ET.SubElement(case, "properties")
                ET.SubElement(properties, "property", name="warning", value=warning[:2000])
            if status == "fail" and annotation != "expected failure":
                counts["failures"] += 1
                failure = ET.SubElement(case, "failure", message="; ".join(r.failures)[:500])
                failure.text = "\n".join([*r.failures, reproduce])
            elif annotation == "unexpected pass":
                counts["failures"] += 1
                ET.SubElement(
                    case, "failure", message="unexpected pass (listed as expected failure)"
                ).text = reproduce
            elif status == "error":
                counts["errors"] += 1
                ET.SubElement(case, "error", message=r.reason[:500]).text = reproduce
            elif status in ("unsupported", "not applicable") or (annotation and not warning):
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=f"{status}: {r.reason or annotation}")
            output = r.output[-4000:]
            if warning:
                output = f"warning: {warning}\n{output}"
            if output:
                ET.SubElement(case, "system-out").text = output
        for key, value in counts.items():
            suite.set(key, str(value))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
