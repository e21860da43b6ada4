"""Run provider plugins in a child interpreter and write their answers to a result file.

Started by :mod:`wheelnext.providers.isolated` as a plain script (it
imports only the standard library, so it runs in any provider environment).
The result goes to a file named on the command line, never to stdout: before
any plugin is imported, file descriptor 1 is pointed at stderr, so whatever a
plugin prints cannot corrupt the answer.

Usage: ``python _runner.py RESULT_FILE [--path DIR]... ENDPOINT...``
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from functools import reduce
from typing import Any


def _load(reference: str) -> Any:
    module_name, _, object_path = reference.strip().partition(":")
    plugin: Any = reduce(getattr, object_path.split(".") if object_path else [],
                    importlib.import_module(module_name.strip()))
    return plugin


def _configs(configs: Any) -> list[dict[str, Any]]:
    return [
        {"name": c.name, "values": list(c.values), "multi_value": bool(c.multi_value)}
        for c in configs
    ]


def main(argv: list[str]) -> int:
    result_file, rest = argv[0], argv[1:]
    endpoints = []
    while rest:
        item = rest.pop(0)
        if item == "--path":
            sys.path.insert(0, rest.pop(0))
        else:
            endpoints.append(item)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    answer: dict[str, Any] = {}
    status = 0
    for reference in endpoints:
        try:
            plugin = _load(reference)
            answer[reference] = {
                "namespace": plugin.namespace,
                "is_aot_plugin": bool(getattr(plugin, "is_aot_plugin", False)),
                "supported": _configs(plugin.get_supported_configs()),
                "all": _configs(plugin.get_all_configs()),
            }
        except Exception:
            answer[reference] = {"error": traceback.format_exc(limit=3)}
            status = 1
    with open(result_file, "w", encoding="utf-8") as handle:
        json.dump(answer, handle)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
