"""Scenario files: the model and a validating loader.

The format is documented in ``docs/components/conformance-scenarios.rst``;
this module is its only reader. A bad file raises :class:`ScenarioError` whose
message is ``path:line: what is wrong``.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

import wheelnext.scenarios
from wheelnext.build import DistSpec, spec_from_mapping
from wheelnext.conformance._lines import KeyPath, LineMap
from wheelnext.errors import InvalidFilename, WheelnextError
from wheelnext.filenames import parse_wheel_name

FORMAT = 1
LEVELS = ("MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY", "rule", "extension")
#: Whom a scenario checks, in the words the requirement list uses for roles.
AUDIENCES = ("installer", "index", "build backend", "provider plugin", "tool")
STRATEGIES = ("index-priority", "version-priority")
EXITS = ("success", "failure")
ABSENT = "absent"
PLACEHOLDERS = ("{purelib}", "{platlib}", "{scripts}", "{data}", "{root}")
#: Names the index server keeps for itself.
RESERVED_INDEXES = ("simple", "files")
_ID = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_INDEX = re.compile(r"^[a-z][a-z0-9-]*$")
_PROPERTY = re.compile(r"^[a-z0-9_]+ :: [a-z0-9_]+ :: [a-z0-9_.]+$")


class ScenarioError(WheelnextError):
    """A scenario file breaks the scenario format."""


@dataclass(frozen=True)
class SpecRef:
    """Where a scenario's rule is written and how strong it is."""

    pep: int | None
    document: str | None
    section: str
    sentence: str
    level: str
    requirements: tuple[str, ...] = ()

    @property
    def conformance(self) -> bool:
        """False for an ``extension``: reported apart from conformance."""
        return self.level != "extension"


@dataclass(frozen=True)
class IndexDef:
    """One index server of a scenario and the builder tables of its packages."""

    name: str
    #: The package tables as written (the materializer's cache key).
    packages: tuple[Mapping[str, Any], ...] = ()
    #: The same tables as the builder parsed them when the file was loaded, in order.
    specs: tuple[DistSpec, ...] = ()
    error: int | None = None
    #: Extra files written into the index folder (a supplied ``-variants.json``...).
    files: Mapping[str, str] = field(default_factory=dict)
    #: PEP 592: file name -> reason ("" for none), written as ``FILE.yanked`` sidecars.
    yanked: Mapping[str, str] = field(default_factory=dict)
    #: Labels left out of the ``-variants.json`` files the materializer writes.
    variants_json_omit: tuple[str, ...] = ()
    #: The installer gets a loopback URL whose port has nothing listening (connection refused).
    refused: bool = False

    def extras_key(self) -> dict[str, Any]:
        """What besides the package tables decides the folder's content."""
        return {
            "files": dict(sorted(self.files.items())),
            "yanked": dict(sorted(self.yanked.items())),
            "omit": list(self.variants_json_omit),
        }


@dataclass(frozen=True)
class LockRequest:
    """Install from a ``pylock.toml`` the harness writes (``[request.lock]``).

    Every wheel the scenario builds for each named project is listed, by absolute
    ``path`` with its ``size`` and sha256, with the ``[packages.variants-json]`` table
    ``wheelnext lock`` writes for them; *variants_json* replaces that table, per project.
    """

    packages: tuple[str, ...]
    variants_json: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """The abstract install request; ``None`` / empty means the key was not given."""

    requirements: tuple[str, ...]
    indexes: tuple[str, ...]
    index_strategy: str | None = None
    pin: Mapping[str, str] = field(default_factory=dict)
    mirrors: tuple[tuple[str, ...], ...] = ()
    variant_properties: tuple[str, ...] | None = None
    wheel: str | None = None
    no_deps: bool = False
    legacy: bool = False
    #: Install wheels only, never build an sdist (pip's and uv's ``--only-binary :all:``).
    only_binary: bool = False
    #: Index name -> projects the installer must ignore on that index (PEP 766 denylist).
    deny: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Requirements installed (by the same installer) before the request.
    preinstall: tuple[str, ...] = ()
    #: Install from a lock file instead of requirements.
    lock: LockRequest | None = None

    def capabilities(self) -> frozenset[str]:
        """Request keys an adapter must be able to express."""
        return request_keys(self)


class RequestKeys(Protocol):
    """The keys of an install request, as the scenario or an adapter's request holds them."""

    @property
    def indexes(self) -> Sized: ...
    @property
    def index_strategy(self) -> str | None: ...
    @property
    def pin(self) -> Mapping[str, str]: ...
    @property
    def mirrors(self) -> tuple[tuple[str, ...], ...]: ...
    @property
    def variant_properties(self) -> tuple[str, ...] | None: ...
    @property
    def wheel(self) -> object: ...
    @property
    def no_deps(self) -> bool: ...
    @property
    def legacy(self) -> bool: ...
    @property
    def only_binary(self) -> bool: ...
    @property
    def deny(self) -> Mapping[str, tuple[str, ...]]: ...
    @property
    def lock(self) -> object: ...


def request_keys(request: RequestKeys) -> frozenset[str]:
    """The request keys (adapter capabilities) *request* uses.

    Variant properties of a ``legacy`` request are not needed: PEP 825's legacy
    behaviour may be observed instead (an adapter with ``variant-unaware``).
    """
    needed = set()
    if len(request.indexes) > 1:
        needed.add("indexes")
    if request.index_strategy:
        needed.add(f"index-strategy:{request.index_strategy}")
    if request.pin:
        needed.add("pin")
    if request.mirrors:
        needed.add("mirrors")
    if request.variant_properties is not None and not request.legacy:
        needed.add("variant-properties")
    if request.wheel:
        needed.add("wheel")
    if request.no_deps:
        needed.add("no-deps")
    if request.only_binary:
        needed.add("only-binary")
    if request.deny:
        needed.add("deny")
    if request.lock:
        needed.add("lock")
    return frozenset(needed)


@dataclass(frozen=True)
class Installed:
    """What one project's installation must look like."""

    versions: frozenset[str]
    variants: frozenset[str | bool] | None = None

    def describe(self) -> str:
        text = " or ".join(sorted(self.versions))
        if self.variants is not None:
            labels = sorted("non-variant" if v is False else str(v) for v in self.variants)
            text += f" (variant {' or '.join(labels)})"
        return text


@dataclass(frozen=True)
class RequestsExpectation:
    """Expectations on the index servers' request log."""

    asked: tuple[str, ...] = ()
    not_asked: tuple[str, ...] = ()
    order: tuple[str, ...] = ()
    not_asked_for: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: File names the installer read, whole or as their PEP 658 ``.metadata``, from any index.
    fetched: tuple[str, ...] = ()
    #: File names the installer read neither whole nor as their ``.metadata``.
    not_fetched: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fetch:
    """A request the harness itself makes to an index after the install, with expectations.

    For index scenarios: does the index serve PEP 691 JSON, PEP 658 metadata,
    ``*-variants.json``...? *path* is relative to the index's ``…/simple/`` URL.
    """

    index: str
    path: str
    accept: str | None = None
    status: frozenset[int] = frozenset({200})
    content_type: str | None = None
    contains: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    #: A file name: fetch what the page at *path* links with this anchor text, not the page.
    link: str | None = None
    #: What the body must be, checked field by field: ``variants-json`` (a valid PEP 825
    #: index-level file), ``variants-json-consistent`` (that, and consistent with the wheels).
    valid: str | None = None
    #: With *link*: fetch the linked file's PEP 658 core metadata file (``<file URL>.metadata``,
    #: which the anchor's ``data-core-metadata`` or ``data-dist-info-metadata`` offers) instead
    #: of the file.
    metadata: bool = False

    @property
    def target(self) -> str:
        """What is fetched, in the index's words: a page, or a file a page links."""
        if self.link is None:
            return f"page {self.path}"
        if self.metadata:
            return f"core metadata of {self.link} (linked from {self.path})"
        return f"file {self.link} (linked from {self.path})"


@dataclass(frozen=True)
class Outcome:
    """One acceptable behaviour: every expectation that is set must hold."""

    name: str = ""
    exit: frozenset[str] | None = None
    installed: Mapping[str, Installed] | None = None
    installed_exact: bool = True
    files_present: tuple[str, ...] = ()
    files_absent: tuple[str, ...] = ()
    symlinks: Mapping[str, str] = field(default_factory=dict)
    not_symlinks: tuple[str, ...] = ()
    output_contains: tuple[str, ...] = ()
    output_excludes: tuple[str, ...] = ()
    writes_outside: bool = False
    requests: RequestsExpectation | None = None


@dataclass(frozen=True)
class Scenario:
    """One scenario file, validated."""

    id: str
    title: str
    spec: SpecRef
    indexes: tuple[IndexDef, ...]
    request: Request
    outcomes: tuple[Outcome, ...]
    path: Path
    group: str
    digest: str
    description: str = ""
    tags: tuple[str, ...] = ()
    python: SpecifierSet | None = None
    timeout: float | None = None
    fetches: tuple[Fetch, ...] = ()
    #: Whom the scenario checks (:data:`AUDIENCES`); an index scenario checks what is served.
    audience: tuple[str, ...] = ("installer",)
    #: False for an index scenario without [request]: no installer runs it.
    installs: bool = True

    def index(self, name: str) -> IndexDef:
        return next(i for i in self.indexes if i.name == name)


# -- loading ------------------------------------------------------------------------------


class _Reader:
    """Typed access to one parsed file, raising ``path:line:`` errors."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = LineMap(text)

    def fail(self, where: KeyPath, message: str) -> ScenarioError:
        return ScenarioError(f"{self.path}:{self.lines.line(where)}: {message}")

    def table(self, value: Any, where: KeyPath, allowed: Iterable[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"{_dotted(where)} must be a table")
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise self.fail((*where, unknown[0]), f"unknown key {_dotted((*where, unknown[0]))!r}")
        return value

    def string(self, value: Any, where: KeyPath) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"{_dotted(where)} must be a string")
        return value

    def strings(self, value: Any, where: KeyPath) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(where, f"{_dotted(where)} must be a list of strings")
        return tuple(value)

    def one_or_many(self, value: Any, where: KeyPath) -> tuple[str, ...]:
        return (
            (self.string(value, where),)
            if not isinstance(value, list)
            else self.strings(value, where)
        )


def _dotted(where: KeyPath) -> str:
    return ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in where).replace(".[", "[")


def load_scenario(path: Path, *, group: str | None = None) -> Scenario:
    """Read and validate one scenario file."""
    raw = path.read_bytes()
    text = raw.decode("utf-8", errors="replace")
    reader = _Reader(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = match.group(1) if match else "1"
        raise ScenarioError(f"{path}:{line}: invalid TOML: {exc}") from None
    reader.table(
        data,
        (),
        ("format", "scenario", "spec", "packages", "indexes", "request", "expect", "fetch"),
    )
    if data.get("format") != FORMAT:
        raise reader.fail(("format",), f"format must be {FORMAT}")
    if "scenario" not in data:
        raise reader.fail((), "missing table [scenario]")
    head = reader.table(
        data["scenario"],
        ("scenario",),
        ("id", "title", "description", "tags", "python", "timeout", "audience"),
    )
    audience = reader.one_or_many(head.get("audience", "installer"), ("scenario", "audience"))
    unknown_role = [a for a in audience if a not in AUDIENCES]
    if unknown_role or not audience:
        raise reader.fail(
            ("scenario", "audience"),
            f"audience {(unknown_role or [''])[0]!r}: expected {', '.join(AUDIENCES)}",
        )
    # An index scenario needs no installer: without [request] the harness only fetches.
    installs = "request" in data or audience != ("index",)
    for required in ("spec", "request", "expect") if installs else ("spec",):
        if required not in data:
            raise reader.fail((), f"missing table [{required}]")
    if not installs and not data.get("fetch"):
        raise reader.fail(
            ("scenario", "audience"), "an index scenario without [request] needs [[fetch]]"
        )
    if "id" not in head or "title" not in head:
        raise reader.fail(("scenario",), "[scenario] needs id and title")
    sid = reader.string(head["id"], ("scenario", "id"))
    if not _ID.match(sid):
        raise reader.fail(("scenario", "id"), f"id {sid!r} must match {_ID.pattern}")
    python = None
    if "python" in head:
        try:
            python = SpecifierSet(reader.string(head["python"], ("scenario", "python")))
        except InvalidSpecifier:
            raise reader.fail(
                ("scenario", "python"), "python must be a version specifier"
            ) from None
    timeout = head.get("timeout")
    if timeout is not None and (not isinstance(timeout, int | float) or timeout <= 0):
        raise reader.fail(("scenario", "timeout"), "timeout must be a positive number")

    spec = _spec(reader, data["spec"])
    indexes = _indexes(reader, data.get("packages", {}), data.get("indexes", {}))
    request = (
        _request(reader, data["request"], indexes)
        if installs
        else Request(requirements=(), indexes=tuple(i.name for i in indexes))
    )
    outcomes = _outcomes(reader, data.get("expect", {}), {i.name for i in indexes})
    fetches = _fetches(reader, data.get("fetch", []), {i.name for i in indexes})
    for i, f in enumerate(fetches):
        key = "link" if f.link is not None else "valid" if f.valid is not None else None
        if installs and key is not None:
            raise reader.fail(
                ("fetch", i, key),
                f"{key} is for index scenarios without [request] (--audience index)",
            )
    return Scenario(
        id=sid,
        title=reader.string(head["title"], ("scenario", "title")),
        description=reader.string(head.get("description", ""), ("scenario", "description")),
        tags=reader.strings(head.get("tags", []), ("scenario", "tags")),
        python=python,
        timeout=float(timeout) if timeout is not None else None,
        spec=spec,
        indexes=indexes,
        request=request,
        outcomes=outcomes,
        path=path,
        group=group if group is not None else (f"PEP {spec.pep}" if spec.pep else path.parent.name),
        digest=hashlib.sha256(raw).hexdigest(),
        fetches=fetches,
        audience=audience,
        installs=installs,
    )


def _fetches(reader: _Reader, value: Any, index_names: set[str]) -> tuple[Fetch, ...]:
    if not isinstance(value, list):
        raise reader.fail(("fetch",), "use [[fetch]] tables")
    result = []
    keys = (
        "index", "path", "accept", "status", "content-type", "contains", "excludes", "link",
        "valid", "metadata",
    )
    for i, raw in enumerate(value):
        where: KeyPath = ("fetch", i)
        table = reader.table(raw, where, keys)
        for key in ("index", "path"):
            if key not in table:
                raise reader.fail(where, f"[[fetch]] needs {key}")
        index = reader.string(table["index"], (*where, "index"))
        if index not in index_names:
            raise reader.fail((*where, "index"), f"unknown index {index!r}")
        path = reader.string(table["path"], (*where, "path"))
        if path.startswith("/") or ".." in path.split("/"):
            raise reader.fail((*where, "path"), "path is relative to the index's simple/ URL")
        status = table.get("status", 200)
        statuses = status if isinstance(status, list) else [status]
        if not statuses or not all(
            isinstance(c, int) and not isinstance(c, bool) and 100 <= c <= 599 for c in statuses
        ):
            raise reader.fail((*where, "status"), "status must be an HTTP status or a list of them")
        accept = table.get("accept")
        content_type = table.get("content-type")
        metadata = table.get("metadata", False)
        if not isinstance(metadata, bool):
            raise reader.fail((*where, "metadata"), "metadata must be true or false")
        if metadata and "link" not in table:
            raise reader.fail((*where, "metadata"), "metadata = true needs link (the file)")
        result.append(
            Fetch(
                index=index,
                path=path,
                accept=None if accept is None else reader.string(accept, (*where, "accept")),
                status=frozenset(statuses),
                content_type=None
                if content_type is None
                else reader.string(content_type, (*where, "content-type")),
                contains=reader.strings(table.get("contains", []), (*where, "contains")),
                excludes=reader.strings(table.get("excludes", []), (*where, "excludes")),
                link=reader.string(table["link"], (*where, "link")) if "link" in table else None,
                valid=_valid(reader, table.get("valid"), (*where, "valid")),
                metadata=metadata,
            )
        )
    return tuple(result)


#: The documents a ``[[fetch]] valid`` can name.
VALID_DOCUMENTS = ("variants-json", "variants-json-consistent")


def _valid(reader: _Reader, value: Any, where: KeyPath) -> str | None:
    if value is None:
        return None
    if value not in VALID_DOCUMENTS:
        raise reader.fail(where, f"valid must be one of {', '.join(VALID_DOCUMENTS)}")
    return str(value)


def _spec(reader: _Reader, value: Any) -> SpecRef:
    where: KeyPath = ("spec",)
    table = reader.table(
        value, where, ("pep", "document", "section", "sentence", "level", "requirements")
    )
    pep = table.get("pep")
    document = table.get("document")
    if (pep is None) == (document is None):
        raise reader.fail(where, "[spec] needs exactly one of pep and document")
    if pep is not None and (not isinstance(pep, int) or isinstance(pep, bool) or pep <= 0):
        raise reader.fail((*where, "pep"), "pep must be a positive integer")
    for key in ("section", "sentence", "level"):
        if key not in table:
            raise reader.fail(where, f"[spec] needs {key}")
    level = reader.string(table["level"], (*where, "level"))
    if level not in LEVELS:
        raise reader.fail((*where, "level"), f"level must be one of {', '.join(LEVELS)}")
    return SpecRef(
        pep=pep,
        document=None if document is None else reader.string(document, (*where, "document")),
        section=reader.string(table["section"], (*where, "section")),
        sentence=reader.string(table["sentence"], (*where, "sentence")),
        level=level,
        requirements=reader.strings(table.get("requirements", []), (*where, "requirements")),
    )


def _package(reader: _Reader, table: Any, where: KeyPath) -> DistSpec:
    """The builder's spec of one package table (kept, so that it is parsed once)."""
    if not isinstance(table, dict):
        raise reader.fail(where, f"{_dotted(where)} must be a table")
    for key in ("name", "version"):
        if key not in table:
            raise reader.fail(where, f"package table needs {key}")
    try:
        return spec_from_mapping(table, source=package_source(reader.path, reader.lines, where))
    except WheelnextError as exc:
        raise ScenarioError(str(exc)) from None


def package_source(path: Path, lines: LineMap, where: KeyPath) -> str:
    """``path:line: packages.<index>[i]``, the source the builder names in its errors."""
    return f"{path}:{lines.line(where)}: {_dotted(where)}"


def _indexes(reader: _Reader, packages: Any, options: Any) -> tuple[IndexDef, ...]:
    if not isinstance(packages, dict):
        raise reader.fail(("packages",), "packages must be tables [[packages.<index>]]")
    if not isinstance(options, dict):
        raise reader.fail(("indexes",), "indexes must be tables [indexes.<index>]")
    result = []
    for name in sorted(set(packages) | set(options)):
        if not _INDEX.match(name) or name in RESERVED_INDEXES:
            where: KeyPath = ("packages" if name in packages else "indexes", name)
            raise reader.fail(
                where, f"index name {name!r} must match {_INDEX.pattern}, not {RESERVED_INDEXES}"
            )
        tables = packages.get(name, [])
        if not isinstance(tables, list):
            raise reader.fail(("packages", name), f"use [[packages.{name}]] (an array of tables)")
        specs = tuple(_package(reader, t, ("packages", name, i)) for i, t in enumerate(tables))
        where_opts: KeyPath = ("indexes", name)
        opts = reader.table(
            options.get(name, {}),
            where_opts,
            ("error", "refused", "files", "yanked", "variants-json"),
        )
        error = opts.get("error")
        if error is not None and (not isinstance(error, int) or not 400 <= error <= 599):
            raise reader.fail(("indexes", name, "error"), "error must be an HTTP status 400-599")
        refused = opts.get("refused", False)
        if not isinstance(refused, bool):
            raise reader.fail(("indexes", name, "refused"), "refused must be true or false")
        if refused and (error is not None or tables):
            raise reader.fail(
                ("indexes", name, "refused"), "a refused index has no error and no packages"
            )
        extra = {}
        for key in ("files", "yanked"):
            raw = reader.table(opts.get(key, {}), (*where_opts, key), opts.get(key, {}))
            for filename, text in raw.items():
                reader.string(text, (*where_opts, key, filename))
                if "/" in filename or filename.startswith("."):
                    raise reader.fail((*where_opts, key, filename), f"{filename!r}: a plain name")
            extra[key] = dict(raw)
        variants = reader.table(
            opts.get("variants-json", {}), (*where_opts, "variants-json"), ("omit-labels",)
        )
        omit = reader.strings(
            variants.get("omit-labels", []), (*where_opts, "variants-json", "omit-labels")
        )
        result.append(
            IndexDef(
                name=name,
                packages=tuple(tables),
                specs=specs,
                error=error,
                files=extra["files"],
                yanked=extra["yanked"],
                variants_json_omit=omit,
                refused=refused,
            )
        )
    return tuple(result)


def _request(reader: _Reader, value: Any, indexes: Sequence[IndexDef]) -> Request:
    where: KeyPath = ("request",)
    table = reader.table(
        value,
        where,
        (
            "requirements",
            "indexes",
            "index-strategy",
            "pin",
            "mirrors",
            "variant-properties",
            "wheel",
            "no-deps",
            "only-binary",
            "legacy",
            "deny",
            "preinstall",
            "lock",
        ),
    )
    names = [i.name for i in indexes]
    requirements = reader.strings(table.get("requirements", []), (*where, "requirements"))
    for requirement in requirements:
        try:
            Requirement(requirement)
        except InvalidRequirement as exc:
            raise reader.fail((*where, "requirements"), f"{requirement!r}: {exc}") from None
    if "indexes" in table:
        order = reader.strings(table["indexes"], (*where, "indexes"))
    elif len(names) == 1:
        order = (names[0],)
    else:
        raise reader.fail(where, "request.indexes is required when there is not exactly one index")
    for name in order:
        if name not in names:
            raise reader.fail((*where, "indexes"), f"index {name!r} has no packages or [indexes]")
    if len(set(order)) != len(order):
        raise reader.fail((*where, "indexes"), "an index is listed twice")
    strategy = table.get("index-strategy")
    if strategy is not None and strategy not in STRATEGIES:
        raise reader.fail((*where, "index-strategy"), f"index-strategy must be {STRATEGIES}")
    pin = reader.table(table.get("pin", {}), (*where, "pin"), table.get("pin", {}))
    for project, index in pin.items():
        if reader.string(index, (*where, "pin", project)) not in order:
            raise reader.fail((*where, "pin", project), f"pin names unknown index {index!r}")
    mirrors_raw = table.get("mirrors", [])
    if not isinstance(mirrors_raw, list):
        raise reader.fail((*where, "mirrors"), "mirrors must be a list of lists of index names")
    mirrors = tuple(reader.strings(group, (*where, "mirrors")) for group in mirrors_raw)
    for group in mirrors:
        for name in group:
            if name not in order:
                raise reader.fail((*where, "mirrors"), f"mirror {name!r} is not in request.indexes")
    properties = None
    if "variant-properties" in table:
        properties = reader.strings(table["variant-properties"], (*where, "variant-properties"))
        for prop in properties:
            if not _PROPERTY.match(prop):
                raise reader.fail(
                    (*where, "variant-properties"),
                    f"{prop!r} is not 'namespace :: feature :: value'",
                )
    wheel = table.get("wheel")
    lock = _lock(reader, table["lock"], indexes) if "lock" in table else None
    if wheel is not None:
        wheel = reader.string(wheel, (*where, "wheel"))
        _check_wheel(reader, wheel, indexes)
    elif not requirements and lock is None:
        raise reader.fail(where, "request needs requirements, wheel or lock")
    if lock is not None and (requirements or wheel is not None):
        raise reader.fail((*where, "lock"), "lock installs the lock file alone: "
                          "no requirements or wheel beside it")
    no_deps = table.get("no-deps", False)
    if not isinstance(no_deps, bool):
        raise reader.fail((*where, "no-deps"), "no-deps must be true or false")
    only_binary = table.get("only-binary", False)
    if not isinstance(only_binary, bool):
        raise reader.fail((*where, "only-binary"), "only-binary must be true or false")
    legacy = table.get("legacy", False)
    if not isinstance(legacy, bool):
        raise reader.fail((*where, "legacy"), "legacy must be true or false")
    if legacy and properties is None:
        raise reader.fail((*where, "legacy"), "legacy only applies with variant-properties")
    deny_raw = reader.table(table.get("deny", {}), (*where, "deny"), order)
    deny = {
        index: tuple(
            str(canonicalize_name(p)) for p in reader.strings(projects, (*where, "deny", index))
        )
        for index, projects in deny_raw.items()
    }
    preinstall = reader.strings(table.get("preinstall", []), (*where, "preinstall"))
    for requirement in preinstall:
        try:
            Requirement(requirement)
        except InvalidRequirement as exc:
            raise reader.fail((*where, "preinstall"), f"{requirement!r}: {exc}") from None
    return Request(
        requirements=requirements,
        indexes=order,
        index_strategy=strategy,
        pin=dict(pin),
        mirrors=mirrors,
        variant_properties=properties,
        wheel=wheel,
        no_deps=no_deps,
        only_binary=only_binary,
        legacy=legacy,
        deny=deny,
        preinstall=preinstall,
        lock=lock,
    )


def _lock(reader: _Reader, value: Any, indexes: Sequence[IndexDef]) -> LockRequest:
    where: KeyPath = ("request", "lock")
    table = reader.table(value, where, ("packages", "variants-json"))
    packages = reader.strings(table.get("packages", []), (*where, "packages"))
    if not packages:
        raise reader.fail((*where, "packages"), "lock.packages names no project")
    built = {canonicalize_name(str(t["name"])) for i in indexes for t in i.packages}
    for project in packages:
        if canonicalize_name(project) not in built:
            raise reader.fail((*where, "packages"), f"no package table builds {project!r}")
    replaced = reader.table(table.get("variants-json", {}), (*where, "variants-json"), packages)
    for project, document in replaced.items():
        reader.table(document, (*where, "variants-json", project), document)
    return LockRequest(packages=packages, variants_json=dict(replaced))


def _check_wheel(reader: _Reader, wheel: str, indexes: Sequence[IndexDef]) -> None:
    where: KeyPath = ("request", "wheel")
    try:
        parsed = parse_wheel_name(wheel)
    except InvalidFilename as exc:
        raise reader.fail(where, str(exc)) from None
    for index in indexes:
        for spec in index.specs:
            if (
                canonicalize_name(spec.name) == parsed.name
                and Version(spec.version) == parsed.version
            ):
                return
    raise reader.fail(where, f"no package table builds {wheel!r}")


_OUTCOME_KEYS = (
    "exit",
    "installed",
    "installed-exact",
    "files-present",
    "files-absent",
    "symlinks",
    "not-symlinks",
    "output-contains",
    "output-excludes",
    "writes-outside",
    "requests",
)


def _outcomes(reader: _Reader, value: Any, index_names: set[str]) -> tuple[Outcome, ...]:
    where: KeyPath = ("expect",)
    table = reader.table(value, where, (*_OUTCOME_KEYS, "one-of"))
    common = {k: v for k, v in table.items() if k != "one-of"}
    alternatives = table.get("one-of")
    if alternatives is None:
        return (_outcome(reader, common, where, "", index_names),)
    if not isinstance(alternatives, list) or not alternatives:
        raise reader.fail((*where, "one-of"), "use [[expect.one-of]] tables")
    result = []
    for i, alt in enumerate(alternatives):
        alt_where: KeyPath = (*where, "one-of", i)
        alt = reader.table(alt, alt_where, (*_OUTCOME_KEYS, "name"))
        if "name" not in alt:
            raise reader.fail(alt_where, "each [[expect.one-of]] needs a name")
        name = reader.string(alt["name"], (*alt_where, "name"))
        merged = {**common, **{k: v for k, v in alt.items() if k != "name"}}
        result.append(_outcome(reader, merged, alt_where, name, index_names))
    return tuple(result)


def _outcome(
    reader: _Reader, table: dict[str, Any], where: KeyPath, name: str, index_names: set[str]
) -> Outcome:
    exit_ = None
    if "exit" in table:
        exit_ = frozenset(reader.one_or_many(table["exit"], (*where, "exit")))
        if not exit_ <= set(EXITS):
            raise reader.fail((*where, "exit"), "exit must be 'success', 'failure' or both")
    installed = None
    if "installed" in table:
        raw = reader.table(table["installed"], (*where, "installed"), table["installed"])
        installed = {
            str(canonicalize_name(project)): _installed(
                reader, spec, (*where, "installed", project)
            )
            for project, spec in raw.items()
        }
    flags = {}
    for key in ("installed-exact", "writes-outside"):
        flags[key] = table.get(key, key == "installed-exact")
        if not isinstance(flags[key], bool):
            raise reader.fail((*where, key), f"{key} must be true or false")
    paths = {}
    for key in ("files-present", "files-absent", "not-symlinks"):
        paths[key] = reader.strings(table.get(key, []), (*where, key))
        for p in paths[key]:
            _check_path(reader, p, (*where, key))
    symlinks = reader.table(
        table.get("symlinks", {}), (*where, "symlinks"), table.get("symlinks", {})
    )
    for p, target in symlinks.items():
        _check_path(reader, p, (*where, "symlinks", p))
        reader.string(target, (*where, "symlinks", p))
    requests = None
    if "requests" in table:
        requests = _requests(reader, table["requests"], (*where, "requests"), index_names)
    return Outcome(
        name=name,
        exit=exit_,
        installed=installed,
        installed_exact=flags["installed-exact"],
        files_present=paths["files-present"],
        files_absent=paths["files-absent"],
        symlinks=dict(symlinks),
        not_symlinks=paths["not-symlinks"],
        output_contains=reader.strings(
            table.get("output-contains", []), (*where, "output-contains")
        ),
        output_excludes=reader.strings(
            table.get("output-excludes", []), (*where, "output-excludes")
        ),
        writes_outside=flags["writes-outside"],
        requests=requests,
    )


def _installed(reader: _Reader, value: Any, where: KeyPath) -> Installed:
    variants: frozenset[str | bool] | None = None
    if isinstance(value, dict):
        table = reader.table(value, where, ("version", "variant"))
        if "version" not in table:
            raise reader.fail(where, "installed table needs version")
        if "variant" in table:
            raw = table["variant"]
            options = raw if isinstance(raw, list) else [raw]
            if not all(v is False or isinstance(v, str) for v in options):
                raise reader.fail((*where, "variant"), "variant must be labels or false")
            variants = frozenset(options)
        value = table["version"]
    versions = reader.one_or_many(value, where)
    for v in versions:
        if v != ABSENT:
            try:
                Version(v)
            except InvalidVersion:
                raise reader.fail(where, f"{v!r} is not a version or 'absent'") from None
    return Installed(versions=frozenset(versions), variants=variants)


def _check_path(reader: _Reader, path: str, where: KeyPath) -> None:
    if path.startswith("{") and not path.startswith(PLACEHOLDERS):
        raise reader.fail(where, f"{path!r}: unknown placeholder, use one of {PLACEHOLDERS}")
    if path.startswith("/"):
        raise reader.fail(where, f"{path!r}: paths are relative to the environment")


def _requests(
    reader: _Reader, value: Any, where: KeyPath, index_names: set[str]
) -> RequestsExpectation:
    table = reader.table(
        value, where, ("asked", "not-asked", "order", "not-asked-for", "fetched", "not-fetched")
    )
    lists = {
        key: reader.strings(table.get(key, []), (*where, key))
        for key in ("asked", "not-asked", "order")
    }
    nested = reader.table(table.get("not-asked-for", {}), (*where, "not-asked-for"), index_names)
    not_asked_for = {
        index: tuple(canonicalize_name(p) for p in reader.strings(projects, (*where, index)))
        for index, projects in nested.items()
    }
    for key, names in lists.items():
        for name in names:
            if name not in index_names:
                raise reader.fail((*where, key), f"unknown index {name!r}")
    files = {
        key: reader.strings(table.get(key, []), (*where, key)) for key in ("fetched", "not-fetched")
    }
    for key, names in files.items():
        for name in names:
            if "/" in name or not name:
                raise reader.fail((*where, key), f"{name!r}: a plain file name")
    return RequestsExpectation(
        asked=lists["asked"],
        not_asked=lists["not-asked"],
        order=lists["order"],
        not_asked_for=not_asked_for,
        fetched=files["fetched"],
        not_fetched=files["not-fetched"],
    )


def shipped_dir() -> Path:
    """The folder of scenarios shipped with wheelnext."""
    return Path(next(iter(wheelnext.scenarios.__path__)))


def load_scenarios(dirs: Sequence[Path] = (), *, select: Sequence[str] = ()) -> list[Scenario]:
    """Load every scenario under *dirs* (default: the shipped set), sorted by id.

    *select* keeps scenarios whose id, group or a tag matches one of the
    ``fnmatch`` patterns; ``audience:ROLE`` keeps those whose audience names ROLE;
    ``req:ID`` keeps those whose ``[spec] requirements``
    name a matching requirement id and ``pep:N`` those tracing PEP N, so that an
    author re-runs exactly the scenarios ``wheelnext spec trace`` names.
    """
    roots = list(dirs) or [shipped_dir()]
    seen: dict[str, Path] = {}
    result = []
    for root in roots:
        if not root.is_dir():
            raise ScenarioError(f"{root}: not a directory of scenarios")
        for path in sorted(root.rglob("*.toml")):
            if path.name.startswith("_") or "__pycache__" in path.parts:
                continue
            scenario = load_scenario(path)
            if scenario.id in seen:
                raise ScenarioError(
                    f"{path}:{LineMap(path.read_text()).line(('scenario', 'id'))}: "
                    f"duplicate id {scenario.id!r} (also in {seen[scenario.id]})"
                )
            seen[scenario.id] = path
            result.append(scenario)
    if select:
        result = [s for s in result if any(selected(s, pattern) for pattern in select)]
    return sorted(result, key=lambda s: s.id)


def selected(scenario: Scenario, pattern: str) -> bool:
    """Whether *pattern* (``fnmatch``; ``req:ID`` or ``pep:N`` by traced requirement) keeps it."""
    kind, _, value = pattern.partition(":")
    if kind == "req" and value:
        return any(fnmatch.fnmatch(r, value) for r in scenario.spec.requirements)
    if kind == "audience" and value:
        return value in scenario.audience
    if kind == "pep" and value:
        pep = value.removeprefix("PEP").strip()
        return str(scenario.spec.pep) == pep or any(
            r.startswith(f"pep{pep}-") for r in scenario.spec.requirements
        )
    return (
        fnmatch.fnmatch(scenario.id, pattern)
        or fnmatch.fnmatch(scenario.group, pattern)
        or any(fnmatch.fnmatch(t, pattern) for t in scenario.tags)
    )


def suite_digest(scenarios: Iterable[Scenario]) -> str:
    """The hash of a scenario set: ids and file contents, independent of paths."""
    h = hashlib.sha256()
    for s in sorted(scenarios, key=lambda s: s.id):
        h.update(f"{s.id}\0{s.digest}\n".encode())
    return h.hexdigest()
