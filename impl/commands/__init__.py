"""The click commands of the variant tools, kept out of the packages they drive.

``variants`` (the PEP 825 format: check, show, order, select, merge) and its
``detect`` sub-command (the PEP 817 providers) import the spec core, the plugin
host and the built-in providers; nothing below imports them back, so the
format package and the host stay free of click and rich. Loaded lazily by name
from ``wheelnext.cli.COMMANDS``.
"""
