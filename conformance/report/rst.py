"""Inline reStructuredText of a quoted spec sentence, as HTML: the PEPs' markup rendered, not shown.

The sentences and section titles the scenarios quote are reStructuredText
(``Default-Extra``, **MUST**, `core metadata <URL>`_). Only inline markup
occurs in them, and only that is rendered; the text is escaped first, so no
markup in a quotation can inject HTML.
"""

from __future__ import annotations

import re
import unicodedata
from html import escape

_LITERAL = re.compile(r"``(.+?)``")
_LINK = re.compile(r"`([^`<]+?)\s*&lt;(https?://[^`\s]+?)&gt;`__?")
_ROLE = re.compile(r":(pep|rfc):`(\d+)(?:#([\w-]+))?`")
_STRONG = re.compile(r"\*\*(\S(?:.*?\S)?)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*(\S(?:.*?\S)?)\*(?![\w*])")
_INTERPRETED = re.compile(r"`([^`]+?)`(?!_)")


def _role(match: re.Match[str]) -> str:
    kind, number, anchor = match.group(1), int(match.group(2)), match.group(3)
    if kind == "pep":
        url = f"https://peps.python.org/pep-{number:04d}/" + (f"#{anchor}" if anchor else "")
        return f'<a href="{url}">PEP {number}</a>'
    return f'<a href="https://www.rfc-editor.org/rfc/rfc{number}">RFC {number}</a>'


def inline(text: str) -> str:
    """*text*'s inline markup as HTML (literals, links, roles, strong, emphasis)."""
    literals: list[str] = []

    def keep(match: re.Match[str]) -> str:
        literals.append(f"<code>{match.group(1)}</code>")
        return f"\0{len(literals) - 1}\0"

    html = _LITERAL.sub(keep, escape(text, quote=False))
    html = _LINK.sub(lambda m: f'<a href="{escape(m.group(2))}">{m.group(1)}</a>', html)
    html = _ROLE.sub(_role, html)
    html = _STRONG.sub(r"<strong>\1</strong>", html)
    html = _EMPHASIS.sub(r"<em>\1</em>", html)
    html = _INTERPRETED.sub(r"<cite>\1</cite>", html)
    return re.sub("\0(\\d+)\0", lambda m: literals[int(m.group(1))], html)


def plain(text: str) -> str:
    """*text* without its inline markup (for a section's anchor)."""
    return re.sub(r"``|\*\*|(?<!\w)\*|\*(?!\w)|`", "", re.sub(r"\s*<[^>]+>`_+", "", text))


def anchor(section: str) -> str:
    """The id docutils (and so peps.python.org and packaging.python.org) gives *section*.

    docutils' ``make_id``: lower case, folded to ASCII, runs of other characters
    made one hyphen, no leading digit or hyphen and no trailing hyphen.
    """
    text = unicodedata.normalize("NFKD", plain(section).lower())
    text = text.encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text)
    return re.sub(r"^[-0-9]+|-+$", "", text)


def section_url(pep: int | None, document: str | None, section: str) -> str | None:
    """Where a quoted section is published: peps.python.org, or packaging.python.org's specs."""
    fragment = f"#{anchor(section)}" if anchor(section) else ""
    if pep:
        return f"https://peps.python.org/pep-{pep:04d}/{fragment}"
    if document:
        return f"https://packaging.python.org/en/latest/specifications/{document}/{fragment}"
    return None
