"""The step driver: one job's steps, the same for every runner.

A runner supplies primitives (:class:`~wheelnext.conformance.runners.protocol.Environments`
for its session, :class:`~wheelnext.conformance.runners.protocol.Environment` for one
job); this module runs a job with them, in this order:

1. plan the preinstall and install steps (the adapter may not express them);
2. make the job's fresh environment;
3. run the preinstall step, if any (its writes are not observed; if it fails, the
   install step is not run);
4. snapshot what lies outside the environment, run the install step, and list what it
   wrote there;
5. read the job's requests from the index server's log, make the scenario's
   ``[[fetch]]`` requests, and probe the environment's installed distributions and
   paths;
6. remove the environment, and report run-specific paths as ``{root}`` and ``{server}``.
"""

from __future__ import annotations

from wheelnext.conformance.adapters import Unsupported
from wheelnext.conformance.observe import Fetched, Observation, probe_paths
from wheelnext.conformance.runners.protocol import (
    Before,
    Environment,
    Environments,
    Job,
    Ran,
    install_request,
    job_requests,
    plan_steps,
    write_files,
    write_lock_file,
)


def run_steps(host: Environments[Before], job: Job) -> Observation | Unsupported:
    """Run *job* in a fresh environment of *host*, or say why its adapter cannot express it."""
    folders = host.folders(job)
    install = install_request(job, host.index_url, folders.env, folders.work)
    steps = plan_steps(job.installer, install, job.scenario.request.preinstall)
    if isinstance(steps, Unsupported):
        return steps
    first, invocation = steps
    with host.environment(job, folders) as env:
        write_lock_file(job, folders.work)
        earlier = 0
        preinstall_output = ""
        preinstalled = Ran(0, False, "", 0.0)
        if first is not None:
            write_files(first)
            preinstalled = env.exec(first, None)
            preinstall = " ".join(job.scenario.request.preinstall)
            preinstall_output = f"[preinstall: {preinstall}]\n{preinstalled.output}\n"
            if preinstalled.exit_code != 0 or preinstalled.timed_out:
                preinstall_output += "[preinstall failed: the request was not run]\n"
                invocation = first
            earlier = len(job_requests(host.requests(), job))
        observed = invocation is not first
        before = env.snapshot(invocation if observed else None)
        if observed:
            write_files(invocation)
            ran = env.exec(invocation, before)
        else:
            ran = Ran(preinstalled.exit_code, preinstalled.timed_out, "", 0.0)
        written = env.written(before)
        requests = job_requests(host.requests(), job, after=earlier)
        fetched = _fetch(host, env, job)
        prefix = f"j{job.key}-"
        uploads = "".join(host.upload_log(f"{prefix}{name}") for name in job.roots.roots)
        installed, paths = env.probe(probe_paths(job.scenario))
        argv = env.command(invocation)

    def stable(text: str) -> str:
        """Run-specific paths and ports replaced, so two runs report the same text."""
        return text.replace(str(folders.root), "{root}").replace(host.url, "{server}")

    return Observation(
        argv=tuple(stable(a) for a in argv),
        exit_code=ran.exit_code,
        timed_out=ran.timed_out,
        output=stable(preinstall_output + ran.output),
        installed=installed,
        paths=paths,
        requests=requests,
        written_outside=written,
        fetched=fetched,
        duration=ran.duration,
        uploads=stable(uploads),
        survivors=tuple(stable(s) for s in (*preinstalled.survivors, *ran.survivors)),
        output_truncated=preinstalled.truncated or ran.truncated,
    )


def _fetch(host: Environments[Before], env: Environment[Before], job: Job) -> tuple[Fetched, ...]:
    """The scenario's ``[[fetch]]`` requests, made after the installer (off its request log)."""
    fetches = job.scenario.fetches
    if not fetches:
        return ()
    wanted = [(host.index_url(f"j{job.key}-{f.index}") + f.path, f.accept) for f in fetches]
    return tuple(
        Fetched(index=f.index, path=f.path, status=status, content_type=ctype, body=body)
        for f, (status, ctype, body) in zip(fetches, env.fetch(wanted), strict=True)
    )
