"""Helpers shared by the test modules (importable as ``_support``: ``tests`` is on pytest's
``pythonpath``)."""
