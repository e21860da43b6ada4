"""Wheel 2.0 prototype: reading and writing ``.whlx`` archives.

PEP 777 (draft) fixes only the outer rules of any future wheel version: a ZIP file whose
``.dist-info`` sits at the root uncompressed, ``Wheel-Version`` 2 or higher, the ``.whlx``
extension. No PEP defines Wheel 2.0 itself; the payload layouts here are an **extension**
(see ``docs/spec-notes/wheel2-payload-layout.rst``).
"""
