"""Wheel variants: the PEP 825 package format (and PEP 817's richer metadata), ordering,
markers and naming. Knows no provider: supported properties come in from the caller
(``wheelnext.providers`` answers them), and the commands live in ``wheelnext.commands``."""
