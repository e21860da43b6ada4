"""The self-contained harness image: ``docker run IMAGE wheelnext conformance run ...``.

``wheelnext-suite:<key>`` is the harness layer (wheelnext in ``/opt/wheelnext``,
see :mod:`~wheelnext.conformance.image`) with ``wheelnext`` on ``PATH`` and the
installers to certify provisioned in its cache (``XDG_CACHE_HOME`` is
``/opt/wheelnext-cache``), by the very code a run uses to find them
(:func:`~wheelnext.conformance.adapters.make_installer`), so a run inside needs
no network. Like every layer it is built without one: the installers' wheels
(``pip==26.3``, ``uv==0.13.9``; ``uv`` by name is the newest; for ``pdm==VERSION``
and ``poetry==VERSION`` every distribution of the tool environment provisioned
here, each pinned) are downloaded here and the provisioning in the build
container finds them there alone (``PIP_NO_INDEX``/``PIP_FIND_LINKS``,
``UV_NO_INDEX``/``UV_FIND_LINKS``). A command adapter's file is copied to
``/opt/wheelnext-adapters`` (``--installer /opt/wheelnext-adapters/NAME.toml``
inside) and its ``[image]`` recipe made in ``/opt/tools/TOOL``, whose ``bin`` is
on ``PATH``; its recipe's ``commands``, if any, run there with ``/opt/installer``
a link to that folder (their installer layer's path), and are the one step
with the engine's default network, as for its installer layer.

Inside it the venv runner is the one that runs; its private mounts need
``CAP_SYS_ADMIN`` (``docker run --cap-add SYS_ADMIN``); without it the runner
falls back to listing snapshots, and its ``write detection:`` line says which.
There is no registry: the image moves between engines with ``docker save`` and
``docker load``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wheelnext.conformance.adapters import InstallerSpec, make_installer
from wheelnext.conformance.adapters.command import CommandInstaller, ImageRecipe
from wheelnext.conformance.errors import RunnerError
from wheelnext.conformance.image import (
    CONTAINER_PATH,
    HARNESS_PREFIX,
    INSTALLER_PREFIX,
    PYTHON,
    _exists,
    _host_pip,
    _key,
    _layer,
    _stderr,
    build_harness,
    client,
    image_recipe,
    installer_recipe,
)
from wheelnext.conformance.materialize import default_cache

if TYPE_CHECKING:
    import docker

CACHE = "/opt/wheelnext-cache"
#: Where a command adapter's file is copied (its tool goes to ``/opt/tools/NAME``).
ADAPTERS = "/opt/wheelnext-adapters"
TOOLS = "/opt/tools"
#: Installers whose specs the image can provision by name (or ``==VERSION``).
PROVISIONED = ("pip", "uv", "wheelnext")
#: Installers provisioned from their tool environment here: ``==VERSION`` only.
TOOLS_BY_VERSION = ("pdm", "poetry")

#: Runs in the build container: provision each spec as a run would, print name and version.
PROVISION = r"""
import json, sys
from wheelnext.conformance.adapters import make_installer
from wheelnext.conformance.materialize import default_cache
for spec in json.loads(sys.argv[1]):
    installer = make_installer(spec, cache=default_cache())
    print(spec, installer.version)
"""
#: Runs in the build container: a tool environment with every distribution pinned as here.
PROVISION_TOOL = r"""
import json, sys
from wheelnext.conformance.adapters._tools import provision
from wheelnext.conformance.materialize import default_cache
name, version, pins = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
provision(name, version, cache=default_cache(), pins=pins)
"""


def specs_of(installers: Sequence[str]) -> list[str]:
    """The ``--installer`` specs, checked: only those the image can provision."""
    specs = []
    for text in installers:
        spec = InstallerSpec.parse(text)
        if spec.name == "command":
            assert spec.path is not None
            installer_recipe(CommandInstaller.from_file(spec.path, config=spec.config))
        elif spec.name in TOOLS_BY_VERSION:
            if spec.version is None:
                raise RunnerError(
                    f"image build --harness: --installer {text}: name its version "
                    f"({spec.name}==VERSION) to provision it in the image"
                )
        elif spec.name not in PROVISIONED or spec.path is not None:
            raise RunnerError(
                f"image build --harness: --installer {text}: only {', '.join(PROVISIONED)} "
                f"by name or ==VERSION, {', '.join(TOOLS_BY_VERSION)} by ==VERSION and "
                "command adapter files with an [image] table can be provisioned in the image"
            )
        specs.append(text)
    return specs


def in_image_spec(spec: InstallerSpec) -> str:
    """The ``--installer`` argument that names *spec*'s installer inside the image (a
    command adapter's file is copied to ``/opt/wheelnext-adapters``)."""
    if spec.name != "command":
        return str(spec)
    assert spec.path is not None
    return f"{ADAPTERS}/{spec.path.name}" + (f":{spec.config}" if spec.config else "")


def suite_image(engine: docker.DockerClient, harness: str, installers: Sequence[str]) -> str:
    """*harness* with ``wheelnext`` on ``PATH`` and *installers* provisioned in its cache.

    pdm and poetry are provisioned here first: their tool environment's distributions
    (:class:`~wheelnext.conformance.adapters._tools.ToolImage`) are built as wheels and
    provisioned in the image with each one pinned. A command adapter's file goes to
    ``/opt/wheelnext-adapters`` and its ``[image]`` recipe into ``/opt/tools/NAME``, whose
    ``bin`` is on the image's ``PATH``.
    """
    specs = specs_of(installers)
    parsed = [InstallerSpec.parse(spec) for spec in specs]
    tools = {
        spec: make_installer(spec, cache=default_cache())
        for spec in parsed
        if spec.name in TOOLS_BY_VERSION
    }
    commands = {
        spec: CommandInstaller.from_file(spec.path, config=spec.config)
        for spec in parsed
        if spec.name == "command" and spec.path is not None
    }
    inputs = [*sorted(specs)]
    inputs += [r for t in tools.values() for r in (image_recipe(t) or ImageRecipe()).pip]
    inputs += [s.path.read_text() for s in commands if s.path is not None]
    harness_id = engine.images.get(harness).id
    tag = f"wheelnext-suite:{_key(harness_id, *inputs)}"
    if _exists(engine, tag):
        return tag
    tool_bins = [f"{TOOLS}/{c.tool}/bin" for c in commands.values()]
    path = ":".join([f"{HARNESS_PREFIX}/bin", *tool_bins, CONTAINER_PATH])
    wanted = [
        f"{spec.name}=={spec.version}"
        for spec in parsed
        if spec.name in PROVISIONED and spec.version
    ]
    script = f"export PATH={path} XDG_CACHE_HOME={CACHE}\n"
    with tempfile.TemporaryDirectory(prefix="wheelnext-suite-") as tmp:
        layer = Path(tmp) / "layer"
        layer.mkdir()
        home = Path(tmp) / "home"
        for n, (spec, tool) in enumerate(commands.items()):
            recipe = tool.image
            assert recipe is not None and spec.path is not None
            folder = layer / f"adapter-{n}"
            folder.mkdir()
            shutil.copy(spec.path, folder / spec.path.name)
            if recipe.pip:
                _host_pip(["wheel", "--quiet", "--wheel-dir", str(folder), *recipe.pip], home)
            venv = f"{TOOLS}/{tool.tool}"
            script += (
                f"mkdir -p {ADAPTERS}\ncp /tmp/layer/adapter-{n}/{spec.path.name} {ADAPTERS}/\n"
            )
            script += f"{PYTHON} -m venv {venv}\n"
            if recipe.pip:
                script += (
                    f"{venv}/bin/python -m pip install --quiet --no-index "
                    f"--find-links /tmp/layer/adapter-{n} /tmp/layer/adapter-{n}/*.whl\n"
                )
            if recipe.commands:
                # The commands were written for the installer layer's /opt/installer.
                script += f"ln -s {venv} {INSTALLER_PREFIX}\n"
                script += "".join(
                    f"(export PATH={venv}/bin:$PATH; {command})\n" for command in recipe.commands
                )
                script += f"rm {INSTALLER_PREFIX}\n"
        for n, (spec, provisioned) in enumerate(tools.items()):
            pins = list((image_recipe(provisioned) or ImageRecipe()).pip)
            folder = layer / f"tool-{n}"
            _host_pip(["wheel", "--quiet", "--wheel-dir", str(folder), *pins], home)
            links = f"/tmp/layer/tool-{n}"
            script += (
                f"PIP_NO_INDEX=1 PIP_FIND_LINKS={links} UV_NO_INDEX=1 UV_FIND_LINKS={links} "
                f"python -c '{PROVISION_TOOL}' {spec.name} {spec.version} '{json.dumps(pins)}'\n"
            )
        script += "export PIP_NO_INDEX=1 PIP_FIND_LINKS=/tmp/layer"
        script += " UV_NO_INDEX=1 UV_FIND_LINKS=/tmp/layer\n"
        if any(spec.name == "uv" and not spec.version for spec in parsed):
            # An unversioned ``uv`` is the one installed beside wheelnext, as in a checkout's venv.
            wanted.append("uv")
            script += f"{HARNESS_PREFIX}/bin/python -m pip install --quiet uv\n"
        inside = [in_image_spec(spec) for spec in parsed]
        script += f"python -c '{PROVISION}' '{json.dumps(inside)}'\n"
        changes = [f"ENV PATH={path}", f"ENV XDG_CACHE_HOME={CACHE}", "WORKDIR /work"]
        if wanted:
            download = ["download", "--quiet", "--only-binary", ":all:", "--dest", str(layer)]
            _host_pip([*download, *wanted], home)
        network = any(c.image is not None and c.image.commands for c in commands.values())
        files = sorted(layer.iterdir())
        return _layer(engine, harness, tag, files, script, changes=changes, network=network)


def build_cli(*, base: str | None, installers: Sequence[str]) -> None:
    """``wheelnext conformance image build --harness``: the layers below, then this image."""
    specs_of(installers)
    engine = client()
    harness = build_harness(engine, base)
    _stderr(f"provisioning {', '.join(installers) or 'no installer'} -> wheelnext-suite")
    print(f"suite    {suite_image(engine, harness, installers)}")
    for text in installers:
        spec = InstallerSpec.parse(text)
        if spec.name == "command":
            print(f"{text} is --installer {in_image_spec(spec)} in the image")
