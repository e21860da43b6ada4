"""The ``url`` index target: any index URL, filled by the user's own upload command.

The harness does not run this index, so it can neither read its request log
nor make it answer an error: scenarios that need either are *not applicable*
here, with the reason. Files are uploaded once per index URL; on an index
shared by every scenario (an ``--index-url`` without ``{scenario}``) a project
belongs to the first scenario that uploads it, and a later scenario with the
same project is not applicable (its files would meet the other scenario's).

Placeholders of ``--index-url``: ``{scenario}`` (the scenario id) and
``{index}`` (the scenario's index name), for servers that make an index per
path (devpi's ``/user/NAME/+simple/``, say). Placeholders of
``--upload-command`` (split like a shell line, run without a shell, with the
harness's environment): ``{files}`` (a word of its own: every file of one
index, one argument each, in one run), ``{file}`` (one run per file),
``{dir}`` (the folder holding the files), ``{url}`` (the index URL, its
placeholders filled), ``{scenario}`` and ``{index}``.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from wheelnext.conformance.materialize import Materialized
from wheelnext.conformance.redact import Redactor, mask_userinfo
from wheelnext.conformance.scenario import Scenario
from wheelnext.errors import WheelnextError
from wheelnext.filenames import is_distribution_filename, project_of

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

#: Seconds one run of the upload command may take.
UPLOAD_TIMEOUT = 300.0


class RemoteIndexError(WheelnextError):
    """``--index-url`` / ``--upload-command`` are missing or malformed, or cannot run."""


@dataclass
class RemoteIndex:
    """An index URL template and the command that uploads files to it."""

    url: str
    upload_command: str
    #: (index URL, project) -> the scenario whose files hold that project there, and their folder.
    owners: dict[tuple[str, str], tuple[str, Path]] = field(default_factory=dict)
    verdicts: dict[str, str | None] = field(default_factory=dict)
    #: Scenario id -> the project it shares with an earlier scenario on one namespace.
    unisolated: dict[str, str] = field(default_factory=dict)
    #: Masks the credentials of the URL and the command in the upload log.
    redactor: Redactor = field(default_factory=Redactor)

    def __post_init__(self) -> None:
        if not self.url:
            raise RemoteIndexError("--index-target url needs --index-url URL")
        if not self.upload_command:
            raise RemoteIndexError("--index-target url needs --upload-command TEMPLATE")
        if urlsplit(self.fill_url("s", "i")).scheme not in ("http", "https"):
            shown = mask_userinfo(self.url)
            raise RemoteIndexError(f"--index-url {shown!r}: expected an http(s) URL")
        try:
            words = shlex.split(self.upload_command)
        except ValueError as exc:
            raise RemoteIndexError(f"--upload-command: {exc}") from None
        if not any("{file}" in w for w in words) and "{files}" not in words:
            raise RemoteIndexError(
                "--upload-command: name the files with {file} (one run per file) "
                "or {files} (a word of its own: all files in one run)"
            )

    def fill_url(self, scenario: str, index: str) -> str:
        """The index URL of one scenario's index (ends with ``/``)."""
        url = self.url.replace("{scenario}", scenario).replace("{index}", index)
        return url if url.endswith("/") else url + "/"

    def not_applicable(self, scenario: Scenario, built: Materialized) -> str | None:
        """Why *scenario* cannot run against this index (None: it can); decided once each."""
        if scenario.id not in self.verdicts:
            self.verdicts[scenario.id] = self._verdict(scenario, built)
        return self.verdicts[scenario.id]

    def _verdict(self, scenario: Scenario, built: Materialized) -> str | None:
        if any(o.requests is not None for o in scenario.outcomes):
            return "expects on the request log, which a remote index does not give the harness"
        if any(i.error is not None for i in scenario.indexes):
            return "makes an index answer an error, which the harness cannot make a remote index do"
        if any(i.yanked for i in scenario.indexes):
            return "yanks files, which an upload command cannot do"
        if len(scenario.indexes) > 1 and "{index}" not in self.url:
            return (
                f"needs {len(scenario.indexes)} indexes; give --index-url an {{index}} "
                "placeholder so that each gets its own"
            )
        claims = {}
        for index in scenario.indexes:
            url, root = self.fill_url(scenario.id, index.name), built.roots[index.name]
            for path in root.iterdir():
                if is_distribution_filename(path.name):
                    claims[url, str(project_of(path.name))] = (scenario.id, root)
        for key, (_, root) in claims.items():
            owner = self.owners.get(key)
            if owner is not None and owner[1] != root:  # the same folder: the same files
                self.unisolated[scenario.id] = f"{key[1]} (from {owner[0]})"
                return (
                    f"project {key[1]} is already on {key[0]} from scenario {owner[0]}; give "
                    "--index-url a {scenario} placeholder so that each scenario gets its own index"
                )
        for key, owner in claims.items():
            self.owners.setdefault(key, owner)
        return None

    def isolation_notice(self) -> str | None:
        """What to say before the run about the scenarios this index cannot isolate (None:
        every scenario planned so far has projects of its own here)."""
        if not self.unisolated:
            return None
        shown = mask_userinfo(self.url)
        listed = ", ".join(f"{sid}: {project}" for sid, project in self.unisolated.items())
        return (
            f"--index-target url: {len(self.unisolated)} scenario(s) cannot be isolated on "
            f"{shown} (one namespace; a project an earlier scenario uploads there), so they "
            f"will not run: {listed}; give --index-url a {{scenario}} placeholder so that "
            "each scenario gets its own index"
        )

    def upload(self, scenario: str, index: str, root: Path) -> str:
        """Run the upload command for one index's files; its log (a refusal is not an error)."""
        files = sorted(p for p in root.iterdir() if p.is_file() and p.suffix != ".yanked")
        url = self.fill_url(scenario, index)
        values = {"{url}": url, "{scenario}": scenario, "{index}": index, "{dir}": str(root)}
        words = shlex.split(self.upload_command)
        runs = (
            [[str(f)] for f in files]
            if any("{file}" in w for w in words)
            else [[str(f) for f in files]]
        )
        log = []
        for batch in runs:
            argv: list[str] = []
            for word in words:
                if word == "{files}":
                    argv += batch
                    continue
                for key, value in {**values, "{file}": batch[0] if batch else ""}.items():
                    word = word.replace(key, value)
                argv.append(word)
            log.append(f"$ {self.redactor.command(argv)}")
            try:
                done = subprocess.run(
                    argv,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    errors="replace",
                    timeout=UPLOAD_TIMEOUT,
                    check=False,
                )
            except FileNotFoundError:
                program = self.redactor.text(argv[0])
                raise RemoteIndexError(f"--upload-command: {program}: no such program") from None
            except subprocess.TimeoutExpired:
                log.append(f"[timed out after {UPLOAD_TIMEOUT:.0f} s]")
                continue
            log.append(self.redactor.text(_ANSI.sub("", done.stdout + done.stderr)).rstrip())
            log.append(f"[exit status {done.returncode}]")
        return "\n".join(line for line in log if line) + "\n"


@dataclass
class RemoteIndexes:
    """A remote index as :class:`~wheelnext.conformance.index_targets.ServedIndexes`."""

    remote: RemoteIndex
    #: Served name (``jK-NAME``) -> (scenario id, index name).
    labels: Mapping[str, tuple[str, str]]
    uploads: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        parts = urlsplit(self.remote.fill_url("s", "i"))
        return f"{parts.scheme}://{parts.netloc}"

    def index_url(self, name: str | None = None) -> str:
        scenario, index = self.labels[name or ""]
        return self.remote.fill_url(scenario, index)

    @property
    def requests(self) -> tuple[()]:
        """A remote index's log is not the harness's to read."""
        return ()

    def upload_log(self, name: str) -> str:
        return self.uploads.get(name, "")


@contextlib.contextmanager
def serve_remote(
    remote: RemoteIndex, roots: Mapping[str, Path], labels: Mapping[str, tuple[str, str]]
) -> Iterator[RemoteIndexes]:
    """Upload every root's files (once per index URL and folder), then hand out the URLs."""
    served = RemoteIndexes(remote, labels)
    done: dict[tuple[str, Path], str] = {}
    for name, root in roots.items():
        scenario, index = labels[name]
        key = (remote.fill_url(scenario, index), root)
        if key not in done:
            done[key] = remote.upload(scenario, index, root)
        served.uploads[name] = done[key]
    yield served
