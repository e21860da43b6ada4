"""The self-contained harness image: ``docker run IMAGE wheelnext conformance run ...``.

``wheelnext-suite:<key>`` is the harness layer (wheelnext in ``/opt/wheelnext``,
see :mod:`~wheelnext.conformance.image`) with ``wheelnext`` on ``PATH`` and the
installers to certify provisioned in its cache (``XDG_CACHE_HOME`` is
``/opt/wheelnext-cache``), by the very code a run uses to find them
(:func:`~wheelnext.conformance.adapters.make_installer`), so a run inside needs
no network. Like every layer it is built without one: the installers' wheels
(``pip==26.3``, ``uv==0.13.9``; ``uv`` by name is the newest) are downloaded
here and the provisioning in the build container finds them there alone
(``PIP_NO_INDEX``/``PIP_FIND_LINKS``, ``UV_NO_INDEX``/``UV_FIND_LINKS``).

Inside it the venv runner is the one that runs; its private mounts need
``CAP_SYS_ADMIN`` (``docker run --cap-add SYS_ADMIN``); without it the runner
falls back to listing snapshots, and its ``write detection:`` line says which.
There is no registry: the image moves between engines with ``docker save`` and
``docker load``.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wheelnext.conformance.adapters import InstallerSpec
from wheelnext.conformance.errors import RunnerError
from wheelnext.conformance.image import (
    CONTAINER_PATH,
    HARNESS_PREFIX,
    _exists,
    _host_pip,
    _key,
    _layer,
    _stderr,
    build_harness,
    client,
)

if TYPE_CHECKING:
    import docker

CACHE = "/opt/wheelnext-cache"
#: Installers whose specs the image can provision (a command adapter's file lives elsewhere).
PROVISIONED = ("pip", "uv", "wheelnext")

#: Runs in the build container: provision each spec as a run would, print name and version.
PROVISION = r"""
import json, sys
from wheelnext.conformance.adapters import make_installer
from wheelnext.conformance.materialize import default_cache
for spec in json.loads(sys.argv[1]):
    installer = make_installer(spec, cache=default_cache())
    print(spec, installer.version)
"""


def specs_of(installers: Sequence[str]) -> list[str]:
    """The ``--installer`` specs, checked: only those the image can provision."""
    specs = []
    for text in installers:
        spec = InstallerSpec.parse(text)
        if spec.name not in PROVISIONED or spec.path is not None:
            raise RunnerError(
                f"image build --harness: --installer {text}: only {', '.join(PROVISIONED)} "
                "by name or ==VERSION can be provisioned in the image"
            )
        specs.append(text)
    return specs


def suite_image(engine: docker.DockerClient, harness: str, installers: Sequence[str]) -> str:
    """*harness* with ``wheelnext`` on ``PATH`` and *installers* provisioned in its cache."""
    specs = specs_of(installers)
    harness_id = engine.images.get(harness).id
    tag = f"wheelnext-suite:{_key(harness_id, *sorted(specs))}"
    if _exists(engine, tag):
        return tag
    path = f"{HARNESS_PREFIX}/bin:{CONTAINER_PATH}"
    parsed = [InstallerSpec.parse(spec) for spec in specs]
    wanted = [f"{spec.name}=={spec.version}" for spec in parsed if spec.version]
    script = f"export PATH={path} XDG_CACHE_HOME={CACHE}\n"
    script += "export PIP_NO_INDEX=1 PIP_FIND_LINKS=/tmp/layer"
    script += " UV_NO_INDEX=1 UV_FIND_LINKS=/tmp/layer\n"
    if any(spec.name == "uv" and not spec.version for spec in parsed):
        # An unversioned ``uv`` is the one installed beside wheelnext, as in a checkout's venv.
        wanted.append("uv")
        script += f"{HARNESS_PREFIX}/bin/python -m pip install --quiet uv\n"
    script += f"python -c '{PROVISION}' '{json.dumps(specs)}'\n"
    changes = [f"ENV PATH={path}", f"ENV XDG_CACHE_HOME={CACHE}", "WORKDIR /work"]
    with tempfile.TemporaryDirectory(prefix="wheelnext-suite-") as tmp:
        wheels = Path(tmp) / "wheels"
        if wanted:
            download = ["download", "--quiet", "--only-binary", ":all:", "--dest", str(wheels)]
            _host_pip([*download, *wanted], Path(tmp) / "home")
        files = sorted(wheels.iterdir()) if wheels.is_dir() else []
        return _layer(engine, harness, tag, files, script, changes=changes)

def build_cli(*, base: str | None, installers: Sequence[str]) -> None:
    """``wheelnext conformance image build --harness``: the layers below, then this image."""
    specs_of(installers)
    engine = client()
    harness = build_harness(engine, base)
    _stderr(f"provisioning {', '.join(installers) or 'no installer'} -> wheelnext-suite")
    print(f"suite    {suite_image(engine, harness, installers)}")
