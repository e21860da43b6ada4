"""The core metadata a knockout index serves instead of the wheel's own file.

The simple repository API asks for the distribution's own file: "the repository MUST
serve the distribution's Core Metadata file alongside the distribution with a
.metadata appended to the distribution's file name" (PEP 658). An index that keeps
metadata as the fields of a fixed version of the core metadata specification and
writes the file back from them loses every newer field: PEP 777's ``Wheel-Version``,
PEP 771's ``Default-Extra`` and the ``Metadata-Version`` that field needs. That index
is the ``metadata-verbatim`` knockout (:mod:`wheelnext.index.features`); only the
power measurement serves it.
"""

from __future__ import annotations

import email.parser
import email.policy

#: The version the rebuilt file says it is, and the fields that version defines
#: (core metadata specification, "Metadata-Version 2.1").
REBUILT_VERSION = "2.1"
FIELDS_2_1 = (
    "Name", "Version", "Platform", "Supported-Platform", "Summary", "Description",
    "Description-Content-Type", "Keywords", "Home-page", "Download-URL", "Author",
    "Author-email", "Maintainer", "Maintainer-email", "License", "Classifier",
    "Requires-Dist", "Requires-Python", "Requires-External", "Project-URL",
    "Provides-Extra", "Provides-Dist", "Obsoletes-Dist",
)  # fmt: skip


def rebuilt(core: bytes) -> bytes:
    """*core* written back from its Metadata-Version 2.1 fields only, at version 2.1."""
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(core)
    known = {name.lower(): name for name in FIELDS_2_1}
    lines = [f"Metadata-Version: {REBUILT_VERSION}"]
    lines += [f"{known[key.lower()]}: {value}" for key, value in message.items()
              if key.lower() in known]
    body = message.get_payload()
    text = "\n".join(lines) + "\n" + (f"\n{body}" if isinstance(body, str) and body else "")
    return text.encode("utf-8")
