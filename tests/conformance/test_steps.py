"""The step driver over a runner made of its primitives alone (in memory, nothing runs)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from wheelnext.conformance.adapters import InstallRequest, Invocation, Unsupported
from wheelnext.conformance.materialize import Materialized
from wheelnext.conformance.observe import Fetched, InstalledDist, Observation, PathState
from wheelnext.conformance.runners.protocol import Job, JobFolders, Ran
from wheelnext.conformance.runners.steps import run_steps
from wheelnext.conformance.scenario import load_scenario

SCENARIO = """
[[packages.primary]]
name = "alpha"
version = "1.0"

[[packages.primary]]
name = "alpha"
version = "2.0"

[request]
preinstall = ["alpha==1.0"]
requirements = ["alpha>1"]

[[fetch]]
index = "primary"
path = "alpha/"
accept = "text/html"
status = 200

[expect]
exit = "success"
"""


class FileInstaller:
    """Writes its requirements to one file (the same path for both steps), then reads it."""

    name = "file"
    version = "0"

    def invocation(self, request: InstallRequest) -> Invocation | Unsupported:
        listed = request.work / "requirements.txt"
        return Invocation(
            argv=("install", "-r", str(listed), "--index-url", request.indexes[0].url),
            files={listed: "\n".join(request.requirements)},
        )


class Memory:
    """A runner's primitives in memory: each call is logged; a step "installs" what its
    file lists, and asks the index for it."""

    url = "http://127.0.0.1:9"

    def __init__(self, root: Path, fail: set[str]) -> None:
        self.root = root
        self.fail = fail
        self.calls: list[str] = []
        self.log: list[tuple[str | None, str, int]] = []

    def index_url(self, name: str) -> str:
        return f"{self.url}/{name}/simple/"

    def requests(self) -> Sequence[tuple[str | None, str, int]]:
        return list(self.log)

    def upload_log(self, name: str) -> str:
        return ""

    def folders(self, job: Job) -> JobFolders:
        return JobFolders(self.root / "jobs" / str(job.key))

    @contextlib.contextmanager
    def environment(self, job: Job, folders: JobFolders) -> Iterator[MemoryEnvironment]:
        self.calls.append("environment")
        try:
            yield MemoryEnvironment(self, folders)
        finally:
            self.calls.append("removed")


class MemoryEnvironment:
    def __init__(self, host: Memory, folders: JobFolders) -> None:
        self.host = host
        self.folders = folders

    def command(self, step: Invocation) -> tuple[str, ...]:
        return ("inside", *step.argv)

    def snapshot(self, step: Invocation | None) -> int:
        self.host.calls.append(f"snapshot {step is not None}")
        return len(self.host.calls)

    def exec(self, step: Invocation, before: int | None) -> Ran:
        listed = Path(step.argv[2]).read_text()
        self.host.calls.append(f"exec {listed} after snapshot {before}")
        self.host.log.append(("j1-primary", f"/j1-primary/simple/{listed}", 200))
        code = 1 if listed in self.host.fail else 0
        return Ran(code, False, f"ran in {self.folders.root}", 1.5, survivors=(listed,))

    def written(self, before: int) -> tuple[str, ...]:
        self.host.calls.append(f"written since {before}")
        return (f"{self.folders.root}/stray",)

    def probe(self, paths: list[str]) -> tuple[dict[str, InstalledDist], dict[str, PathState]]:
        self.host.calls.append("probe")
        return {"alpha": InstalledDist("2.0")}, {}

    def fetch(
        self, wanted: Sequence[tuple[str, str | None]]
    ) -> Sequence[tuple[int, str | None, str]]:
        self.host.calls.append("fetch")
        return [(200, accept, url) for url, accept in wanted]


def run(
    tmp_path: Path, write_scenario: Callable[..., Path], fail: set[str]
) -> tuple[Memory, Observation | Unsupported]:
    scenario = load_scenario(write_scenario(SCENARIO))
    job = Job(1, scenario, FileInstaller(), None, Materialized({"primary": tmp_path}))
    host = Memory(tmp_path, fail)
    return host, run_steps(host, job)


def test_the_steps_in_order_each_with_its_own_files(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    host, observed = run(tmp_path, write_scenario, fail=set())
    assert host.calls == [
        "environment",
        "exec alpha==1.0 after snapshot None",
        "snapshot True",
        "exec alpha>1 after snapshot 3",
        "written since 3",
        "fetch",
        "probe",
        "removed",
    ]
    assert isinstance(observed, Observation)
    assert observed.argv == (
        "inside", "install", "-r", "{root}/work/requirements.txt",
        "--index-url", "{server}/j1-primary/simple/",
    )
    assert observed.output == "[preinstall: alpha==1.0]\nran in {root}\nran in {root}"
    assert (observed.exit_code, observed.duration) == (0, 1.5)
    assert [r.path for r in observed.requests] == ["/simple/alpha>1"]
    assert observed.written_outside == (f"{tmp_path}/jobs/1/stray",)
    url = "http://127.0.0.1:9/j1-primary/simple/alpha/"
    assert observed.fetched == (Fetched("primary", "alpha/", 200, "text/html", url),)
    assert observed.survivors == ("alpha==1.0", "alpha>1")
    assert dict(observed.installed) == {"alpha": InstalledDist("2.0")}


def test_a_failed_preinstall_is_the_result_and_the_install_is_not_run(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    host, observed = run(tmp_path, write_scenario, fail={"alpha==1.0"})
    assert host.calls[:4] == [
        "environment",
        "exec alpha==1.0 after snapshot None",
        "snapshot False",
        "written since 3",
    ]
    assert isinstance(observed, Observation)
    assert observed.exit_code == 1 and observed.duration == 0.0
    assert observed.argv[:4] == ("inside", "install", "-r", "{root}/work/requirements.txt")
    assert observed.output.endswith("[preinstall failed: the request was not run]\n")
    assert observed.requests == ()


def test_an_unsupported_step_makes_no_environment(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    scenario = load_scenario(write_scenario(SCENARIO))

    class NoPreinstall(FileInstaller):
        def invocation(self, request: InstallRequest) -> Invocation | Unsupported:
            if request.requirements == ("alpha==1.0",):
                return Unsupported("no way to preinstall")
            return super().invocation(request)

    job = Job(1, scenario, NoPreinstall(), None, Materialized({"primary": tmp_path}))
    host = Memory(tmp_path, set())
    assert run_steps(host, job) == Unsupported("preinstall: no way to preinstall")
    assert host.calls == []
