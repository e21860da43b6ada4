"""Wheel variants: PEP 825 package format and ordering, PEP 817 providers."""
