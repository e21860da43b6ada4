"""Run the CI templates' own commands here: the GitHub workflow (with its composite action) and
the GitLab CI template, jobs, matrix, shards and artifacts, without GitHub or GitLab.

Neither CI system can run on this machine, so this script reads the files they
read and executes the shell each job would: ``run:`` steps of
``.github/workflows/conformance.yml`` and of ``action.yml`` (which the workflow
uses), with ``${{ }}`` expressions evaluated for the contexts they name
(``inputs``, ``matrix``, ``needs``, ``steps``, ``github``), and the ``script:``
of each job of ``ci/wheelnext-conformance.gitlab-ci.yml``, once per
``parallel:`` node with ``CI_NODE_INDEX``/``CI_NODE_TOTAL`` set. Artifacts are
folders passed from job to job; each job runs in a fresh copy of the workspace.

What it does not do: install anything. Steps with ``id: install`` and GitLab's
``before_script`` (which only installs wheelnext) are skipped, and the
``wheelnext`` on PATH (this checkout's) runs instead; ``actions/checkout`` of
the caller is the workspace given, of wheelnext this checkout, and
``actions/setup-python`` is the Python that runs this script.

    python tools/ci_local.py github WORKSPACE --input installer=wheelnext --input shards=3
    python tools/ci_local.py gitlab WORKSPACE --var WHEELNEXT_INSTALLER=wheelnext
"""

from __future__ import annotations

import argparse
import fnmatch
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "conformance.yml"
GITLAB = ROOT / "ci" / "wheelnext-conformance.gitlab-ci.yml"
GITLAB_RESERVED = {"variables", "stages", "include", "default", "workflow", "image"}
#: How GitHub runs a ``shell: bash`` step.
BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
EXPRESSION = re.compile(r"\$\{\{\s*((?:(?!\}\}).)*?)\s*\}\}")


class StepFailed(Exception):
    pass


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text())


def evaluate(expr: str, ctx: Mapping[str, Any]) -> Any:
    """An expression of the subset the templates use: ``a || b``, paths, strings, fromJSON()."""
    value: Any = None
    for part in (p.strip() for p in expr.split("||")):
        if part == "always()":
            value = True
        elif m := re.fullmatch(r"fromJSON\((.*)\)", part):
            value = json.loads(str(evaluate(m[1], ctx)))
        elif m := re.fullmatch(r"'(.*)'", part):
            value = m[1]
        elif re.fullmatch(r"-?\d+", part):
            value = int(part)
        else:
            value = ctx
            for name in part.split("."):
                value = value.get(name) if isinstance(value, Mapping) else None
        if value not in (None, "", False):
            return value
    return value


def expand(value: Any, ctx: Mapping[str, Any]) -> Any:
    """*value* with every ``${{ }}``: a whole-string expression keeps its type."""
    if isinstance(value, str):
        whole = EXPRESSION.fullmatch(value.strip())
        if whole:
            return evaluate(whole[1], ctx)
        return EXPRESSION.sub(lambda m: _text(evaluate(m[1], ctx)), value)
    if isinstance(value, list):
        return [expand(v, ctx) for v in value]
    if isinstance(value, dict):
        return {k: expand(v, ctx) for k, v in value.items()}
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, list | dict) else str(value)


def shell(script: str, env: Mapping[str, str], cwd: Path, argv: list[str]) -> dict[str, str]:
    """Run *script*; its ``$GITHUB_OUTPUT`` lines (``key=value``) come back."""
    with tempfile.TemporaryDirectory(prefix="ci-local-") as tmp:
        script_file, output = Path(tmp) / "step.sh", Path(tmp) / "output"
        script_file.write_text(script)
        output.touch()
        full = {**os.environ, **env, "GITHUB_OUTPUT": str(output)}
        full["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{full.get('PATH', '')}"
        done = subprocess.run([*argv, str(script_file)], cwd=cwd, env=full, check=False)
        outputs = dict(
            line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
        )
        if done.returncode:
            raise StepFailed(f"exit status {done.returncode}")
        return outputs


class GitHub:
    """The reusable workflow's jobs, in the order of their ``needs``."""

    def __init__(self, workspace: Path, inputs: Mapping[str, str], out: Path) -> None:
        self.workspace, self.out = workspace, out
        self.artifacts = out / "artifacts"
        self.summary = out / "step-summary.md"
        self.summary.touch()
        declared = load(WORKFLOW)["on"]["workflow_call"]["inputs"]
        unknown = sorted(set(inputs) - set(declared))
        if unknown:
            raise SystemExit(f"--input {unknown[0]}: not an input of {WORKFLOW.name}")
        self.inputs = {k: inputs.get(k, spec.get("default")) for k, spec in declared.items()}

    def run(self) -> bool:
        jobs: dict[str, Any] = load(WORKFLOW)["jobs"]
        outputs: dict[str, Any] = {}
        results: dict[str, str] = {}
        for name in _ordered(jobs):
            job = jobs[name]
            needs = _as_list(job.get("needs"))
            ctx = {"inputs": self.inputs, "needs": {n: {"outputs": outputs[n]} for n in needs}}
            if any(results[n] != "success" for n in needs) and "always()" not in str(job.get("if")):
                results[name] = "skipped"
                continue
            matrix = expand(job.get("strategy", {}).get("matrix", {}), ctx)
            keys = list(matrix)
            combos = [dict(zip(keys, c, strict=True)) for c in itertools.product(
                *(matrix[k] for k in keys))] if keys else [{}]  # fmt: skip
            ok, outputs[name] = True, {}
            for combo in combos:
                steps_out = self._job(job, {**ctx, "matrix": combo})
                ok &= steps_out is not None
                ctx_out = {**ctx, "matrix": combo, "steps": steps_out or {}}
                outputs[name].update(expand(job.get("outputs", {}), ctx_out))
            results[name] = "success" if ok else "failure"
            print(f"ci-local: job {name}: {results[name]}", file=sys.stderr)
        return all(r == "success" for r in results.values())

    def _job(self, job: Mapping[str, Any], ctx: dict[str, Any]) -> dict[str, Any] | None:
        """Run one job (one matrix combination); its steps' outputs, or None if a step failed."""
        with tempfile.TemporaryDirectory(prefix="ci-local-job-") as tmp:
            cwd = Path(tmp) / "workspace"
            shutil.copytree(self.workspace, cwd, symlinks=True)
            steps: dict[str, Any] = {}
            failed = self._steps(job["steps"], {**ctx, "steps": steps}, cwd, cwd)
            return None if failed else {k: v for k, v in steps.items()}

    def _steps(self, steps: list[Any], ctx: dict[str, Any], cwd: Path, action: Path) -> bool:
        failed = False
        for step in steps:
            if failed and "always()" not in str(step.get("if", "")):
                continue
            ctx["github"] = {"action_path": str(action), "workspace": str(cwd)}
            try:
                out = self._step(step, ctx, cwd)
            except StepFailed as exc:
                print(f"ci-local: step {step.get('id') or step.get('uses')}: {exc}",
                      file=sys.stderr)  # fmt: skip
                failed, out = True, {}
            if step.get("id"):
                ctx["steps"][step["id"]] = {"outputs": out}
        return failed

    def _step(self, step: Mapping[str, Any], ctx: dict[str, Any], cwd: Path) -> dict[str, str]:
        if step.get("id") == "install":
            return {}
        env = {k: _text(v) for k, v in expand(step.get("env", {}), ctx).items()}
        env["GITHUB_STEP_SUMMARY"] = str(self.summary)
        if "run" in step:
            return shell(step["run"], env, cwd, BASH)
        uses, given = step["uses"], expand(step.get("with", {}), ctx)
        if uses.startswith("./"):
            return self._composite(cwd / uses, given, cwd)
        action = uses.split("@")[0]
        if action == "actions/checkout":
            if given.get("path"):
                (cwd / given["path"]).symlink_to(ROOT, target_is_directory=True)
        elif action == "actions/upload-artifact":
            source, into = cwd / given["path"], self.artifacts / given["name"]
            if not source.exists():
                raise StepFailed(f"upload-artifact: {given['path']} does not exist")
            shutil.copytree(source, into, dirs_exist_ok=True)
        elif action == "actions/download-artifact":
            into = cwd / given.get("path", ".")
            for found in sorted(self.artifacts.iterdir() if self.artifacts.exists() else []):
                if fnmatch.fnmatch(found.name, given.get("pattern", given.get("name", "*"))):
                    merged = given.get("merge-multiple")
                    shutil.copytree(found, into if merged else into / found.name,
                                    dirs_exist_ok=True)  # fmt: skip
        elif action != "actions/setup-python":
            raise StepFailed(f"{uses}: not an action ci_local.py knows")
        return {}

    def _composite(self, where: Path, given: Mapping[str, Any], cwd: Path) -> dict[str, str]:
        action = load(where / "action.yml")
        inputs = {k: given.get(k, spec.get("default", "")) for k, spec in action["inputs"].items()}
        ctx: dict[str, Any] = {"inputs": inputs, "steps": {}}
        failed = self._steps(action["runs"]["steps"], ctx, cwd, where.resolve())
        outputs = {k: _text(expand(v["value"], ctx)) for k, v in action["outputs"].items()}
        if failed:
            raise StepFailed(f"{where.name}: a step failed")
        return outputs


def _as_list(value: Any) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _ordered(jobs: Mapping[str, Any]) -> list[str]:
    done: list[str] = []
    while len(done) < len(jobs):
        ready = [n for n in jobs if n not in done
                 and all(d in done for d in _as_list(jobs[n].get("needs")))]  # fmt: skip
        if not ready:
            raise SystemExit("the workflow's needs form a cycle")
        done += ready
    return done


def gitlab(workspace: Path, variables: Mapping[str, str], out: Path) -> bool:
    """Run the template's jobs stage by stage, each ``parallel:`` node in a fresh workspace."""
    data = load(GITLAB)
    defined = {k: str(v) for k, v in data.get("variables", {}).items()}
    unknown = sorted(set(variables) - set(defined))
    if unknown:
        raise SystemExit(f"--var {unknown[0]}: not a variable of {GITLAB.name}")
    env = {**defined, **variables}
    jobs = {k: _extended(data, k) for k in data if k not in GITLAB_RESERVED and k[0] != "."}
    ok = True
    for stage in data.get("stages", ["test"]):
        for name, job in jobs.items():
            if job.get("stage", "test") != stage or (not ok and job.get("when") != "always"):
                continue
            nodes = int(job.get("parallel", 0))
            for index in range(1, nodes + 1) if nodes else [0]:
                node = {"CI_NODE_INDEX": str(index), "CI_NODE_TOTAL": str(nodes)} if nodes else {}
                ok &= _gitlab_job(name, job, workspace, {**env, **node}, out / "artifacts", index)
    return ok


def _extended(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    job = dict(data[name])
    for parent in _as_list(job.pop("extends", None)):
        job = {**_extended(data, parent), **job}
    return job


def _gitlab_job(name: str, job: Mapping[str, Any], workspace: Path, env: Mapping[str, str],
                store: Path, index: int) -> bool:  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="ci-local-job-") as tmp:
        cwd = Path(tmp) / "workspace"
        shutil.copytree(workspace, cwd, symlinks=True)
        for need in job.get("needs", []):
            need_name = need["job"] if isinstance(need, dict) else need
            for found in sorted(store.glob(f"{need_name}-*")):
                shutil.copytree(found, cwd, dirs_exist_ok=True)
        script = "set -e\n" + "\n".join(job["script"]) + "\n"
        try:
            shell(script, env, cwd, ["sh"])
            ok = True
        except StepFailed as exc:
            print(f"ci-local: job {name} {index or ''}: {exc}", file=sys.stderr)
            ok = False
        for pattern in job.get("artifacts", {}).get("paths", []):
            for found in cwd.glob(pattern.rstrip("/")):
                target = store / f"{name}-{index}" / found.relative_to(cwd)
                shutil.copytree(found, target, dirs_exist_ok=True)
        print(f"ci-local: job {name} {index or ''}: {'success' if ok else 'failure'}",
              file=sys.stderr)  # fmt: skip
        return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("system", choices=("github", "gitlab"))
    parser.add_argument("workspace", type=Path, help="the caller's repository (copied per job)")
    parser.add_argument("--out", type=Path, default=Path("ci-local-out"),
                        help="artifacts land in OUT/artifacts/NAME")  # fmt: skip
    parser.add_argument("--input", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--var", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    pairs = dict(p.split("=", 1) for p in args.input + args.var)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.system == "github":
        ok = GitHub(args.workspace.resolve(), pairs, args.out.resolve()).run()
    else:
        ok = gitlab(args.workspace.resolve(), pairs, args.out.resolve())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
