"""Sphinx extension: the PEP dossiers, their index (:mod:`wheelnext.conformance.dossier`)."""

from wheelnext.conformance.dossier import setup

__all__ = ["setup"]
