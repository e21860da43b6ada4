"""PEP 691 "Version + Format Selection": choosing HTML or JSON for a request.

"The server inspects that header, selects one of the listed content types,
then returns a response using that content type (treating the absence of an
``Accept`` header as ``Accept: */*``)"; "an entry with a higher quality has
priority over an entry with a lower quality, and any entry without a quality
present will default to a quality of ``1``". The ``format`` URL parameter
"SHOULD take precedence over any values in the client's ``Accept`` header".
Following the Recommendations, among equal qualities JSON wins over
``v1+html``, and ``text/html`` is "a last resort".
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

JSON = "application/vnd.pypi.simple.v1+json"
HTML = "application/vnd.pypi.simple.v1+html"
LEGACY_HTML = "text/html"

#: What ``latest`` resolves to: "the server MUST respond with the content type
#: for the actual version that is contained in the response".
_ALIASES = {
    "application/vnd.pypi.simple.latest+json": JSON,
    "application/vnd.pypi.simple.latest+html": HTML,
}
#: Server preference among equal client qualities (lower is preferred).
_PREFERENCE = (JSON, HTML, LEGACY_HTML)


@dataclass(frozen=True)
class MediaRange:
    type: str
    quality: float
    #: 2 for type/subtype, 1 for type/*, 0 for */*.
    specificity: int

    def matches(self, content_type: str) -> bool:
        if self.type == "*/*":
            return True
        if self.type.endswith("/*"):
            return content_type.startswith(self.type[:-1])
        return _ALIASES.get(self.type, self.type) == content_type


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an ``Accept`` header; a missing or empty one means ``*/*``."""
    if not header or not header.strip():
        return [MediaRange("*/*", 1.0, 0)]
    ranges = []
    for item in header.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if not media:
            continue
        media = media.lower()
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        specificity = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
        ranges.append(MediaRange(media, quality, specificity))
    return ranges


def quality_of(ranges: list[MediaRange], content_type: str) -> float:
    """The quality the client gives *content_type*: its most specific matching range."""
    best: MediaRange | None = None
    for media in ranges:
        if media.matches(content_type) and (best is None or media.specificity > best.specificity):
            best = media
    return 0.0 if best is None else best.quality


def select(
    accept: str | None,
    format_param: str | None = None,
    offered: Collection[str] = _PREFERENCE,
) -> str | None:
    """The content type to respond with, or None for ``406 Not Acceptable``.

    *offered* restricts the server to some serializations (e.g. HTML only).
    """
    candidates = [t for t in _PREFERENCE if t in offered]
    if format_param:
        wanted = _ALIASES.get(format_param.strip().lower(), format_param.strip().lower())
        if wanted in candidates:
            return wanted
        # "if the server does not support the requested format, it may choose
        # to fall back to the Accept header": we do.
    ranges = parse_accept(accept)
    scored = [(quality_of(ranges, t), -rank, t) for rank, t in enumerate(candidates)]
    scored = [entry for entry in scored if entry[0] > 0]
    if not scored:
        return None
    return max(scored)[2]
