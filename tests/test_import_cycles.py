"""No import cycles in ``wheelnext``, not even the ones imports inside functions hide.

A cycle hidden behind a function-level import still ties two modules together: each can
only be understood, tested and loaded with the other.  The graph comes from
:mod:`_support.imports` (a package counts as imported with any of its modules, as
Python runs its ``__init__`` first).

Run as a script (``python tests/test_import_cycles.py``) it prints the counts of
module-level and function-level imports and every cycle of either graph.
"""

from __future__ import annotations

from _support.imports import counts, cycles, graph


def test_no_cycles_among_module_level_imports() -> None:
    assert cycles(graph(include_function_level=False)) == []


def test_no_cycles_closed_by_imports_inside_functions() -> None:
    """An import moved into a function hides a cycle from Python, not from a reader."""
    assert cycles(graph(include_function_level=True)) == []


def test_the_reader_sees_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]


if __name__ == "__main__":
    module_level, function_level = counts()
    print(f"imports of wheelnext modules: {module_level} at module level,", end=" ")
    print(f"{function_level} in functions")
    for label, flag in (("module-level", False), ("all", True)):
        found = cycles(graph(include_function_level=flag))
        print(f"cycles ({label} imports): {len(found)}")
        for group in found:
            print("  " + " <-> ".join(group))
