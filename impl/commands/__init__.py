"""The CLI layer's click commands, one module per command of ``wheelnext``.

Each module holds the click command (or group) of one sub-command and turns its
options into calls of the library below: ``build``, ``index``, ``install``
(``install`` and ``lock``), ``wheel``, ``variants`` and ``detect`` (``variants
detect``), ``nativelib``, ``conformance``, ``spec`` and ``governance``. Only this
package and :mod:`wheelnext.cli` import click; nothing below imports them back.
Loaded lazily by name from ``wheelnext.cli.COMMANDS``.
"""
