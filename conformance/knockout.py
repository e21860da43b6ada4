"""Run the reference installer with one named rule knocked out, in this process only.

``python -m wheelnext.conformance.knockout RULE[,RULE] wheelnext-arguments...`` runs
``wheelnext`` exactly as the console script does, except that the installer's rule list
(:data:`wheelnext.install.rules.DEFAULT_RULES`) lacks the named rules. Only the power
measurement (``wheelnext conformance power``) starts this module, each time in a process of
its own; no option, configuration key or environment variable of ``install``, ``lock``,
``wheel`` or ``index serve`` reaches it, so a knockout can never leak into a real install.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any


def knock_out(names: Sequence[str]) -> None:
    """Make every install context opened in this process use the rules less *names*."""
    import wheelnext.commands.install as install_cli
    import wheelnext.install.context as context
    from wheelnext.install.rules import DEFAULT_RULES, without

    kept = without(*names, rules=DEFAULT_RULES)
    original = context.open_context

    def open_without(*args: Any, **kwargs: Any) -> Any:
        kwargs["rules"] = kept
        return original(*args, **kwargs)

    context.open_context = open_without
    install_cli.open_context = open_without  # type: ignore[attr-defined]


def main(argv: Sequence[str] | None = None) -> None:
    """``RULE[,RULE] ARGS...``: knock the rules out, then run ``wheelnext ARGS``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0].startswith("-"):
        print("error: usage: python -m wheelnext.conformance.knockout RULE[,RULE] ARGS...",
              file=sys.stderr)
        sys.exit(2)
    from wheelnext.cli import fail
    from wheelnext.cli import main as wheelnext_main
    from wheelnext.errors import WheelnextError

    try:
        knock_out([name for name in args[0].split(",") if name])
    except WheelnextError as exc:
        fail(str(exc))
    wheelnext_main(args[1:])


if __name__ == "__main__":
    main()
