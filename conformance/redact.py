"""Secrets a user passes never reach a record, report or certificate.

What may hold one: the userinfo of a URL (``--index-url``, the upload
command, an ``--installer-arg``), the value of an upload command's
password or token option, and tokens in the harness's environment (a
``TWINE_PASSWORD``, a ``PIP_INDEX_URL`` with credentials). A
:class:`Redactor` is made once from those inputs; every text the harness
writes passes through it, and upload commands are recorded as their
template with those values masked.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

MASK = "***"
#: ``scheme://userinfo@``: the userinfo goes, the rest of the URL stays readable.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#@\s]+)@")
#: Options whose value is a secret (``--password X``, ``-p X``, ``--token=X``).
_SECRET_OPTION = re.compile(
    r"^--?(?:p|password|passwd|pass|token|api[-_]?key|secret|auth|client[-_]secret)$", re.I
)
#: A template placeholder of the upload command, recorded as it stands.
_PLACEHOLDER = re.compile(r"\{[a-z]+\}")
#: Environment variables whose value is a secret.
_SECRET_NAME = re.compile(r"TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|CREDENTIAL|AUTH", re.I)
#: Values shorter than this are too common to scrub from text (``-p any``); an upload
#: command's option is masked where it stands whatever its length.
_MIN_SECRET = 4
#: An environment value must be this long to count as a token (``AUTH_MODE=true`` does not).
_MIN_ENV_SECRET = 8


def mask_userinfo(text: str) -> str:
    """*text* with the userinfo of every URL in it replaced by ``***``."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)


def _url_secrets(text: str) -> set[str]:
    found = set()
    for match in _USERINFO.finditer(text):
        userinfo = match["userinfo"]
        for part in (userinfo, *userinfo.split(":", 1)):
            found |= {part, unquote(part)}
    return found


def _option_secrets(words: Sequence[str]) -> set[str]:
    found = set()
    for i, word in enumerate(words):
        name, eq, value = word.partition("=")
        if _SECRET_OPTION.match(name):
            if eq:
                found.add(value)
            elif i + 1 < len(words):
                found.add(words[i + 1])
    return found


@dataclass(frozen=True)
class Redactor:
    """Masks the given secret values and every URL's userinfo in text and JSON-ready data."""

    secrets: frozenset[str] = frozenset()

    @classmethod
    def from_inputs(
        cls,
        *,
        texts: Iterable[str] = (),
        commands: Iterable[str] = (),
        environ: Mapping[str, str] | None = None,
    ) -> Redactor:
        """The secrets of URLs in *texts*, of *commands* (shell-split) and of *environ*."""
        found: set[str] = set()
        for text in texts:
            found |= _url_secrets(text)
        for command in commands:
            found |= _url_secrets(command)
            try:
                found |= _option_secrets(shlex.split(command))
            except ValueError:
                found |= _option_secrets(command.split())
        for name, value in (environ or {}).items():
            found |= _url_secrets(value)
            if _SECRET_NAME.search(name) and len(value) >= _MIN_ENV_SECRET:
                found.add(value)
        usable = {s for s in found if len(s) >= _MIN_SECRET}
        return cls(frozenset(usable | {quote(s, safe="") for s in usable}))

    def text(self, text: str) -> str:
        text = mask_userinfo(text)
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text

    def data(self, value: Any) -> Any:
        """*value* (JSON-ready: dicts, lists, strings...) with every string redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.data(k): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value

    def command(self, words: Sequence[str]) -> str:
        """A command line to record: secret option values and URL userinfo masked."""
        shown = [w if _PLACEHOLDER.fullmatch(w) else shlex.quote(w) for w in words]
        for i, word in enumerate(words):
            name, eq, _ = word.partition("=")
            if _SECRET_OPTION.match(name):
                if eq:
                    shown[i] = f"{shlex.quote(name)}={MASK}"
                elif i + 1 < len(shown):
                    shown[i + 1] = MASK
        return self.text(" ".join(shown))

