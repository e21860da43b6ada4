"""Sphinx extension: the conformance matrix (:mod:`wheelnext.conformance.matrix_page`)."""

from wheelnext.conformance.matrix_page import setup

__all__ = ["setup"]
