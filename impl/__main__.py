"""``python -m wheelnext`` runs the CLI."""

from wheelnext.cli import main

main()
