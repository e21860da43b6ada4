"""Index runs: scenarios whose audience is the index, checked with no installer.

``conformance run --audience index --index-target reference|pypiserver|pypiserver-server|devpi``
serves each scenario's built packages with the index target on 127.0.0.1,
makes the scenario's ``[[fetch]]`` requests with the harness's own HTTP client
(httpx), and checks what the index served. The result's column is the index
target and its version, and every failure names the index, the page or file,
the part of the response (status, ``Content-Type``, body) and what was
expected, so that the report speaks to an index author.

A ``[[fetch]]`` with ``link`` follows the page's anchor whose text is that
file name (PEP 503: "the text of the anchor tag MUST match the final path
component (the filename) of the URL"), so that the file is found where the
index links it, whatever its URL layout.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import platform
from collections.abc import Callable, Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import httpx
from packaging.utils import canonicalize_name
from packaging.version import Version

from wheelnext.conformance.check import Result, Status, not_met
from wheelnext.conformance.index_servers import SERVER_TARGETS, Refusal
from wheelnext.conformance.index_servers import not_applicable as server_not_applicable
from wheelnext.conformance.index_targets import IndexTargetError, ServedIndexes, serve
from wheelnext.conformance.materialize import default_cache, materialize_all
from wheelnext.conformance.observe import Fetched, Observation
from wheelnext.conformance.scenario import Fetch, Scenario
from wheelnext.conformance.static_generator import GENERATOR_VERSION
from wheelnext.conformance.static_generator import TARGET as STATIC_GENERATOR_TARGET
from wheelnext.index.features import DEFAULT, Personality

#: The targets an index run can serve with (``url`` has no harness-run server to start).
INDEX_RUN_TARGETS = (
    "reference", "pypiserver", STATIC_GENERATOR_TARGET, "pypiserver-server", "devpi",
)  # fmt: skip
#: Largest body kept of one response (as for an installer run's fetches).
BODY_LIMIT = 1 << 18


def target_version(target: str) -> str:
    """The version of the index software behind *target*."""
    if target == "reference":
        from wheelnext import __version__

        return __version__
    if target in ("pypiserver", "pypiserver-server"):
        try:
            return importlib.metadata.version("pypiserver")
        except importlib.metadata.PackageNotFoundError:
            raise IndexTargetError(
                f"--index-target {target}: pypiserver is not installed"
            ) from None
    if target == STATIC_GENERATOR_TARGET:
        return GENERATOR_VERSION
    if target == "devpi":
        from wheelnext.conformance.index_servers import DEVPI_SERVER

        return DEVPI_SERVER
    raise IndexTargetError(
        f"--audience index --index-target {target!r}: expected one of "
        f"{', '.join(INDEX_RUN_TARGETS)}"
    )


def is_index_scenario(scenario: Scenario) -> bool:
    """Whether an index run checks *scenario*: its audience is the index and it fetches."""
    return "index" in scenario.audience and bool(scenario.fetches)


def run_index_suite(
    scenarios: Sequence[Scenario],
    target: str,
    *,
    cache: Path | None = None,
    progress: Callable[[Result], None] | None = None,
    personality: Personality = DEFAULT,
) -> list[Result]:
    """One :class:`Result` per scenario, for the index *target*; in scenario order.

    *personality* is the reference index's (a knockout for the power measurement)."""
    version = target_version(target)
    cache = cache or default_cache()
    checked = [s for s in scenarios if is_index_scenario(s)]
    built = materialize_all(checked, cache / "packages")
    results = []
    for scenario in scenarios:
        base = Result(
            scenario=scenario,
            installer=target,
            installer_version=version,
            python=platform.python_version(),
            status=Status.NOT_APPLICABLE,
            index_personality=personality.name,
        )
        if not is_index_scenario(scenario):
            reason = "its audience is not the index" if scenario.fetches else "it fetches nothing"
            results.append(dataclasses.replace(base, reason=f"not an index scenario: {reason}"))
            continue
        unfit = server_not_applicable(target, scenario) if target in SERVER_TARGETS else None
        if unfit is not None:
            results.append(dataclasses.replace(base, reason=unfit))
            continue
        result = _run_one(base, scenario, built[scenario.id].roots, target, cache, personality)
        results.append(result)
        if progress:
            progress(result)
    return results


def _run_one(
    base: Result,
    scenario: Scenario,
    roots: Mapping[str, Path],
    target: str,
    cache: Path,
    personality: Personality,
) -> Result:
    refusals: list[Refusal] = []
    try:
        with serve(target, roots, {}, cache=cache, personality=personality,
                   refusals=refusals, sdist_gate=True) as served:
            fetched, transcript = fetch_all(served, scenario.fetches)
    except Exception as exc:  # a harness failure is a result (error), never a crash
        return dataclasses.replace(base, status=Status.ERROR, reason=f"{type(exc).__name__}: {exc}")
    observation = Observation(
        argv=("httpx", *(f.path for f in scenario.fetches)),
        exit_code=None,
        timed_out=False,
        output="".join(f"upload: {r}\n" for r in refusals) + transcript,
        fetched=tuple(f for f in fetched if isinstance(f, Fetched)),
    )
    failures = index_failures(target, scenario.fetches, fetched, roots)
    if failures:
        # What the index would not take explains what it does not serve.
        failures += [f"{target}: {r}" for r in refusals]
        return dataclasses.replace(
            base,
            status=not_met(scenario, observation),
            failures=tuple(failures),
            evidence=tuple(failures),
            observation=observation,
        )
    return dataclasses.replace(
        base,
        status=Status.PASS,
        observation=observation,
        evidence=tuple(
            _served(target, f, got) for f, got in zip(scenario.fetches, fetched, strict=True)
        ),
    )


#: One ``[[fetch]]``'s response, or why there was none to check (the page does not link the file).
Got = Fetched | str


class _Anchors(HTMLParser):
    """The attributes of each anchor of a page that has an ``href``, by the anchor's text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, dict[str, str | None]] = {}
        self._attrs: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and dict(attrs).get("href") is not None:
            self._attrs = dict(attrs)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._attrs is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._attrs is not None:
            self.links.setdefault("".join(self._text).strip(), self._attrs)
            self._attrs = None


def anchor(page: str, filename: str) -> dict[str, str | None] | None:
    """The attributes of the anchor of *page* (HTML) whose text is *filename*."""
    parser = _Anchors()
    parser.feed(page)
    return parser.links.get(filename)


def linked(page: str, filename: str) -> str | None:
    """The ``href`` of the anchor of *page* (HTML) whose text is *filename*."""
    found = anchor(page, filename)
    return None if found is None else found["href"]


#: The anchor attributes that offer a file's core metadata, the PEP 714 name first: "Clients
#: consuming any of the HTML representations of the Simple API MUST read the PEP 658 metadata
#: from the key data-core-metadata if it is present. They MAY optionally use the legacy
#: data-dist-info-metadata if it is present but data-core-metadata is not."
METADATA_ATTRIBUTES = ("data-core-metadata", "data-dist-info-metadata")


def metadata_offer(attributes: Mapping[str, str | None]) -> str | None:
    """The hash the anchor gives its file's core metadata (``"true"`` or ``sha256=...``),
    or None when the index offers no core metadata file for it."""
    for name in METADATA_ATTRIBUTES:
        if name in attributes:
            return attributes[name] or "true"
    return None


def fetch_all(served: ServedIndexes, fetches: Sequence[Fetch]) -> tuple[list[Got], str]:
    """Make each request with httpx; the responses and a transcript of what was asked."""
    got: list[Got] = []
    lines = []
    with httpx.Client(timeout=30, follow_redirects=True) as client:

        def get(url: str, accept: str | None) -> httpx.Response:
            response = client.get(url, headers={"Accept": accept} if accept else {})
            lines.append(
                f"GET {url.replace(served.url, '{server}')}"
                f"{f' (Accept: {accept})' if accept else ''}: {response.status_code} "
                f"{response.headers.get('content-type', '(no Content-Type)')}"
            )
            return response

        for fetch in fetches:
            url = served.index_url(fetch.index) + fetch.path
            if fetch.link is not None:
                page = get(url, "text/html")
                attributes = anchor(page.text, fetch.link) if page.status_code == 200 else None
                if attributes is None:
                    got.append(
                        f"page {fetch.path} (status {page.status_code}) has no anchor "
                        f"whose text is {fetch.link}"
                    )
                    continue
                url, fragment = urldefrag(urljoin(str(page.url), attributes["href"] or ""))
                if fetch.metadata:
                    # PEP 658: "the repository MUST serve the distribution's Core Metadata
                    # file alongside the distribution with a .metadata appended to the
                    # distribution's file name"; the attribute's value is its hash.
                    offer = metadata_offer(attributes)
                    if offer is None:
                        got.append(
                            f"the anchor of {fetch.link} offers no core metadata file (no "
                            f"{' or '.join(METADATA_ATTRIBUTES)} attribute)")
                        continue
                    url, fragment = url + ".metadata", "" if offer == "true" else offer
            response = get(url, fetch.accept)
            if fetch.link is not None and (wrong := hash_mismatch(fragment, response.content)):
                got.append(wrong)
                continue
            body = response.content[:BODY_LIMIT].decode("utf-8", errors="replace")
            shown = f"{fetch.link}.metadata" if fetch.metadata else fetch.link
            got.append(
                Fetched(
                    index=fetch.index,
                    path=fetch.path if fetch.link is None else f"{fetch.path} -> {shown}",
                    status=response.status_code,
                    content_type=response.headers.get("content-type"),
                    body=body,
                )
            )
    return got, "\n".join(lines) + "\n"


def hash_mismatch(fragment: str, content: bytes) -> str | None:
    """Why the served *content* is not the file the link's hash fragment names (None: it is).

    Simple Repository API: the file URL's fragment is ``#<hashname>=<hashvalue>``,
    "the hex encoded digest" of the linked file; it is optional (PEP 817: "including
    an (OPTIONAL) hash"), but one that is given must match what is served.
    """
    name, _, value = fragment.partition("=")
    if not value or name not in hashlib.algorithms_guaranteed:
        return None
    served = hashlib.new(name, content).hexdigest()
    if served == value.lower():
        return None
    return f"the link's #{name}={value} does not match the file served ({name} {served})"


def _where(target: str, fetch: Fetch) -> str:
    accept = f" (Accept: {fetch.accept})" if fetch.accept else ""
    return f"{target} index {fetch.index!r}, {fetch.target}{accept}"


def index_failures(
    target: str,
    fetches: Sequence[Fetch],
    got: Sequence[Got],
    roots: Mapping[str, Path] | None = None,
) -> list[str]:
    """What the index served that the scenario did not expect, in the index's words.

    Each line names the index, the page or file, the part of the response
    (status, ``Content-Type`` header, body) and what was expected. *roots*
    (index name -> the files given to it) are what a served variants file must
    be consistent with.
    """
    failures = []
    for fetch, response in zip(fetches, got, strict=True):
        where = _where(target, fetch)
        if isinstance(response, str):
            failures.append(f"{where}: {response}")
            continue
        if response.status not in fetch.status:
            expected = " or ".join(str(c) for c in sorted(fetch.status))
            failures.append(f"{where}: status expected {expected}, served {response.status}")
            continue
        served_type = (response.content_type or "").split(";")[0].strip()
        if fetch.content_type is not None and served_type != fetch.content_type:
            failures.append(
                f"{where}: Content-Type expected {fetch.content_type}, "
                f"served {served_type or '(none)'}"
            )
        for needle in fetch.contains:
            if needle not in response.body:
                failures.append(f"{where}: body expected to contain {needle!r}, it does not")
        for needle in fetch.excludes:
            if needle in response.body:
                failures.append(f"{where}: body expected not to contain {needle!r}, it does")
        if fetch.valid is not None:
            problems = invalid(response.body)
            if not problems and fetch.valid == "variants-json-consistent":
                root = (roots or {}).get(fetch.index)
                problems = inconsistent(response.body, fetch.link or fetch.path, root)
            failures += [f"{where}: {problem}" for problem in problems]
    return failures


def invalid(body: str) -> list[str]:
    """Why *body* is not a valid index-level variants file, field by field; empty if valid.

    PEP 825: "Tools that produce the data formats according to this
    specification MUST always produce files that meet the requirements of this
    specification"; the index-level file "uses the same structure as variant
    metadata, except that the ``variants`` object is index-scoped".
    """
    from wheelnext.variants.errors import InvalidVariantMetadata
    from wheelnext.variants.schema import variant_json_problems

    try:
        data = json.loads(body)
    except ValueError as exc:
        return [f"body is not JSON ({exc})"]
    try:
        _, problems = variant_json_problems(data, source="body", kind="index")
    except InvalidVariantMetadata as exc:
        return [f"body is not valid index-level variant metadata: {exc}"]
    return [f"body field {problem}" for problem in problems]


def _served(target: str, fetch: Fetch, response: Got) -> str:
    assert isinstance(response, Fetched)
    shown = ", ".join(repr(n) for n in fetch.contains)
    kind = (response.content_type or "").split(";")[0].strip()
    return f"{_where(target, fetch)}: served {response.status} {kind}" + (
        f" containing {shown}" if shown else ""
    )


def inconsistent(body: str, filename: str, root: Path | None) -> list[str]:
    """Where the served variants file *filename* disagrees with its release's wheels in *root*.

    PEP 825: the file "MUST be consistent with the variant metadata of the
    individual wheels, as specified in metadata consistency"; the check is
    wheelnext's own combination of variant metadata, which refuses documents
    that disagree on a label's properties or on the namespace priorities.
    """
    from wheelnext.filenames import parse_variants_filename, parse_wheel_name
    from wheelnext.variants.combine import combine_variant_metadata
    from wheelnext.variants.errors import InvalidVariantMetadata
    from wheelnext.variants.wheelfile import read_wheel_variant_json

    release = parse_variants_filename(filename.rsplit("/", 1)[-1])
    if release is None or root is None:
        return [f"{filename}: not a variants file name, or no files of the index to compare"]
    wheels = []
    for path in sorted(root.iterdir()):
        if path.suffix not in (".whl", ".whlx"):
            continue
        wheel = parse_wheel_name(path.name)
        if wheel.is_variant and (wheel.name, wheel.version) == (
            canonicalize_name(release[0]),
            Version(release[1]),
        ):
            wheels.append((path.name, read_wheel_variant_json(path)))
    if not wheels:
        return [f"{filename}: the index was given no variant wheel of this release"]
    served = json.loads(body)
    try:
        combine_variant_metadata([(f"the served {filename}", served), *wheels])
        longest = combine_variant_metadata(wheels)["default-priorities"]["namespace"]
    except InvalidVariantMetadata as exc:
        return [f"body field {exc}"]
    # "Combining them MUST yield the longer list": the file may extend the wheels' list
    # (a variant to come), never stop short of it.
    namespaces = served["default-priorities"]["namespace"]
    if len(namespaces) < len(longest):
        return [
            f"body field default-priorities.namespace: {namespaces}, expected the wheels' "
            f"combined {longest} (combining MUST yield the longer list)"
        ]
    missing = sorted(
        {label for _, doc in wheels for label in doc["variants"]} - set(served["variants"])
    )
    return [f"body field variants: lacks {label!r}, a label of its wheels" for label in missing]
