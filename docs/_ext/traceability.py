"""Sphinx extension: the traceability table (:mod:`wheelnext.conformance.traceability`)."""

from wheelnext.conformance.traceability import setup

__all__ = ["setup"]
