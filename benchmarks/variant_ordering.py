"""Benchmark: ordering 1,000 variant labels over 5 namespaces, wheelnext vs variantlib.

Both start from the same combined ``*-variants.json`` document and the same
supported properties. variantlib needs its own objects, so its timing
includes building them from the document (``variantlib total``) and is also
given for the sort call alone (``variantlib sort``).

    python benchmarks/variant_ordering.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from _machine import cpu_model

from wheelnext.variants.ordering import order_variants

S825 = "https://variants-schema.wheelnext.dev/peps/825/v0.1.1.json"
GOAL_MS = 50.0


def workload(
    labels: int = 1000, namespaces: int = 5, seed: int = 825
) -> tuple[dict[str, Any], dict[str, dict[str, list[str]]]]:
    """A deterministic combined document and supported-properties mapping."""
    rnd = random.Random(seed)
    names = [f"ns{i}" for i in range(namespaces)]
    features = {ns: [f"feat{j}" for j in range(4)] for ns in names}
    values = [f"v{k}" for k in range(8)]
    supported = {ns: {f: rnd.sample(values, 6) for f in features[ns]} for ns in names}
    variants: dict[str, Any] = {"null": {}}
    while len(variants) < labels:
        props: dict[str, dict[str, list[str]]] = {}
        for ns in rnd.sample(names, rnd.randint(1, 3)):
            props[ns] = {
                f: sorted(rnd.sample(values, rnd.randint(1, 2)))
                for f in rnd.sample(features[ns], rnd.randint(1, 2))
            }
        variants[f"label{len(variants)}"] = props
    doc = {"$schema": S825, "default-priorities": {"namespace": names}, "variants": variants}
    return doc, supported


def best_of(func: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, minimum) wall time in milliseconds over *repeat* runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    repeat = 5 if args.quick else 21
    doc, supported = workload()

    ours_result = order_variants(doc, supported)
    ours_ms = best_of(lambda: order_variants(doc, supported), repeat)

    from variantlib.models.variant import VariantDescription, VariantProperty
    from variantlib.resolver.lib import sort_and_filter_supported_variants

    namespaces = list(doc["default-priorities"]["namespace"])
    flat = [
        VariantProperty(ns, f, v)
        for ns, fs in supported.items()
        for f, vs in fs.items()
        for v in vs
    ]

    def descriptions() -> list[Any]:
        return [
            VariantDescription(
                [
                    VariantProperty(ns, f, v)
                    for ns, fs in props.items()
                    for f, vs in fs.items()
                    for v in vs
                ],
                label,
            )
            for label, props in doc["variants"].items()
        ]

    def theirs_total() -> list[Any]:
        ranked: list[Any] = sort_and_filter_supported_variants(
            descriptions(), list(flat), list(namespaces)
        )
        return ranked

    prebuilt = descriptions()
    theirs_labels = [d.label for d in theirs_total()]
    total_ms = best_of(theirs_total, repeat)
    sort_ms = best_of(
        lambda: sort_and_filter_supported_variants(list(prebuilt), list(flat), list(namespaces)),
        repeat,
    )
    result = {
        "labels": len(doc["variants"]),
        "namespaces": len(namespaces),
        "compatible": len(ours_result.ranked),
        "same_order_as_variantlib": ours_result.labels == theirs_labels,
        "wheelnext_ms": {"median": round(ours_ms[0], 2), "min": round(ours_ms[1], 2)},
        "variantlib_total_ms": {"median": round(total_ms[0], 2), "min": round(total_ms[1], 2)},
        "variantlib_sort_ms": {"median": round(sort_ms[0], 2), "min": round(sort_ms[1], 2)},
        "ratio_total": round(total_ms[0] / ours_ms[0], 1),
        "ratio_sort": round(sort_ms[0] / ours_ms[0], 1),
        "goal_ms": GOAL_MS,
        "meets_goal": ours_ms[0] < GOAL_MS,
        "repeat": repeat,
        "cpu": cpu_model(),
        "python": platform.python_version(),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"ordering {result['labels']} labels over {result['namespaces']} namespaces"
        f" ({result['compatible']} compatible), median of {repeat}, {result['cpu']}"
    )
    print(
        f"  wheelnext          {ours_ms[0]:8.2f} ms  (goal < {GOAL_MS:.0f} ms:"
        f" {'met' if result['meets_goal'] else 'MISSED'})"
    )
    print(f"  variantlib total   {total_ms[0]:8.2f} ms  ({result['ratio_total']}x wheelnext)")
    print(f"  variantlib sort    {sort_ms[0]:8.2f} ms  ({result['ratio_sort']}x wheelnext)")
    print(f"  same order as variantlib: {result['same_order_as_variantlib']}")


if __name__ == "__main__":
    main()
