"""Sphinx extension: the power table (:mod:`wheelnext.conformance.power_page`)."""

from wheelnext.conformance.power_page import setup

__all__ = ["setup"]
