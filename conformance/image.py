"""Container images for the docker runner, built without any container registry.

Layers, each tagged by a content key so it is built once:

``wheelnext-base:<key>``
    Debian ``bookworm`` (Python 3.11) made with ``debootstrap`` from Debian's
    own package mirror and turned into an image with ``docker import``; or any
    image the user names, which needs ``python3`` (>= 3.11) with ``venv``.
``wheelnext-harness:<key>``
    The base plus wheelnext itself in ``/opt/wheelnext`` (the index server runs
    from it). Its wheels are built on this machine from the checkout
    (``pip wheel``) and copied in: containers never reach a network.
``wheelnext-index:<key>``
    The harness image plus the tool an index target runs (devpi-server,
    dumb-pypi), for the index container of that target.
``wheelnext-installer:<key>``
    The harness image plus the installer under test in ``/opt/installer``,
    installed once: pip from a wheel downloaded here, uv as its binary, pdm and
    poetry from the wheels of their tool environment's distributions, each at the
    version the venv runner runs (:class:`~wheelnext.conformance.adapters._tools.ToolImage`),
    a ``command`` adapter's tool from its ``[image]`` recipe
    (:class:`~wheelnext.conformance.adapters.command.ImageRecipe`).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import wheelnext
from wheelnext.conformance.adapters import Installer, InstallerSpec, make_installer
from wheelnext.conformance.adapters.command import CommandInstaller, ImageRecipe
from wheelnext.conformance.adapters.pdm import PdmInstaller
from wheelnext.conformance.adapters.pip import PipInstaller
from wheelnext.conformance.adapters.poetry import PoetryInstaller
from wheelnext.conformance.adapters.uv import UvInstaller
from wheelnext.conformance.adapters.wheelnext import WheelnextInstaller
from wheelnext.conformance.errors import RunnerError
from wheelnext.conformance.materialize import default_cache
from wheelnext.errors import WheelnextError
from wheelnext.isolation import scrubbed_environ

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
PACKAGES = ("python3", "python3-venv")
LABEL = "org.wheelnext.conformance"
#: The interpreter inside every image, and the prefixes the layers install into.
PYTHON = "/usr/bin/python3"
HARNESS_PREFIX = "/opt/wheelnext"
INSTALLER_PREFIX = "/opt/installer"
#: Index servers the index container can run besides wheelnext's own
#: (:mod:`~wheelnext.conformance.index_targets`).
INDEX_SERVERS = ("pypiserver>=2.1",)
#: The index image's harness cache: the tool environments of the index targets that run a
#: tool of their own (``TOOL_TARGETS``) lie in its ``tools/``, where ``provision`` finds them.
INDEX_CACHE = "/opt/index-cache"
CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def client() -> docker.DockerClient:
    """A client for the local engine, or :class:`RunnerError` saying why there is none."""
    try:
        import docker
    except ImportError:
        raise RunnerError("--runner docker: the 'docker' Python package is not installed") from None
    try:
        engine = docker.from_env(timeout=600)
        engine.ping()
    except Exception as exc:  # docker raises several unrelated types when no engine answers
        raise RunnerError(f"--runner docker: no Docker engine reachable ({exc})") from None
    return engine


def _key(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _exists(engine: docker.DockerClient, tag: str) -> bool:
    import docker.errors

    try:
        engine.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def base_image(engine: docker.DockerClient, *, log: Any = print) -> str:
    """The debootstrapped base image, built on first use (about a minute)."""
    tag = f"wheelnext-base:{_key(SUITE, MIRROR, *PACKAGES)}"
    if _exists(engine, tag):
        return tag
    if shutil.which("debootstrap") is None:
        raise RunnerError("image build: debootstrap is not installed (apt-get install debootstrap)")
    with tempfile.TemporaryDirectory(prefix="wheelnext-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        log(f"debootstrap {SUITE} with {', '.join(PACKAGES)} ...")
        argv = ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}"]
        done = subprocess.run(
            [*argv, SUITE, str(rootfs), MIRROR], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            last = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise RunnerError(f"image build: debootstrap failed: {' | '.join(last)}")
        archive = Path(tmp) / "rootfs.tar"
        subprocess.run(["tar", "-C", str(rootfs), "-cf", str(archive), "."], check=True)
        repository, _, version = tag.partition(":")
        log(f"docker import -> {tag}")
        engine.api.import_image_from_file(str(archive), repository=repository, tag=version)
    return tag


def project_root() -> Path:
    """The checkout wheelnext runs from (its wheel is built from it)."""
    root = Path(wheelnext.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        raise RunnerError(
            "image build: wheelnext is not running from a checkout, so its wheel cannot be built"
        )
    return root


def _source_digest(root: Path) -> str:
    """A key over every file that goes into the wheelnext wheel."""
    digest = hashlib.sha256()
    names = ["pyproject.toml", "setup.py"]
    for folder in ("impl", "conformance", "scenarios", "governance"):
        names += sorted(
            str(p.relative_to(root))
            for p in (root / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        )
    for name in names:
        path = root / name
        if path.is_file():
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _host_pip(args: Sequence[str], home: Path) -> None:
    """Run this interpreter's pip with the machine's pip configuration shut out."""
    environ = scrubbed_environ(home)
    argv = [sys.executable, "-m", "pip", *args]
    done = subprocess.run(argv, env=environ, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RunnerError(f"image build: pip {args[0]} failed: {last[0]}")


def _put(container: Container, files: Iterable[Path], dest: str) -> None:
    """Copy host files into *dest* of the container (``docker cp`` through the SDK)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in files:
            tar.add(str(path), arcname=path.name)
    container.exec_run(["mkdir", "-p", dest])
    container.put_archive(dest, buffer.getvalue())


def _layer(
    engine: docker.DockerClient,
    source: str,
    tag: str,
    files: Sequence[Path],
    script: str,
    *,
    network: bool = False,
    changes: Sequence[str] = (),
) -> str:
    """Run *script* in a container of *source* with *files* in /tmp/layer, commit it as *tag*
    (with the Dockerfile instructions *changes*).

    The container has no network unless *network* (then the engine's default one).
    """
    options: dict[str, Any] = {} if network else {"network_mode": "none"}
    container = engine.containers.create(
        source, ["sleep", "infinity"], labels={LABEL: "build"}, **options
    )
    try:
        container.start()
        _put(container, files, "/tmp/layer")
        code, output = container.exec_run(["/bin/sh", "-ec", script])
        if code != 0:
            text = output.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise RunnerError(f"image build: {tag}: {' | '.join(text)}")
        container.exec_run(["rm", "-rf", "/tmp/layer"])
        repository, _, version = tag.partition(":")
        instructions = [f"LABEL {LABEL}={tag}", *changes]
        container.commit(repository=repository, tag=version, changes=instructions)
    finally:
        container.remove(force=True)
    return tag


def harness_image(engine: docker.DockerClient, base: str, *, log: Any = print) -> str:
    """*base* plus wheelnext in ``/opt/wheelnext``."""
    root = project_root()
    base_id = engine.images.get(base).id
    tag = f"wheelnext-harness:{_key(base_id, _source_digest(root))}"
    if _exists(engine, tag):
        return tag
    with tempfile.TemporaryDirectory(prefix="wheelnext-wheels-") as tmp:
        wheels = Path(tmp) / "wheels"
        log("building the wheelnext wheel and its dependencies ...")
        _host_pip(
            ["wheel", "--quiet", "--wheel-dir", str(wheels), str(root), *INDEX_SERVERS],
            Path(tmp) / "home",
        )
        script = (
            f"{PYTHON} -m venv {HARNESS_PREFIX}\n"
            f"{HARNESS_PREFIX}/bin/python -m pip install --quiet --no-index "
            f"--find-links /tmp/layer /tmp/layer/wheelnext-*.whl "
            + " ".join(f"'{server}'" for server in INDEX_SERVERS)
            + "\n"
        )
        log(f"installing wheelnext -> {tag}")
        return _layer(engine, base, tag, sorted(wheels.iterdir()), script)


def _child_tag(
    engine: docker.DockerClient, repository: str, parent: str, name: str, *key: str
) -> str:
    """The tag of a layer on *parent*: *name* made safe for a tag, then a content key over
    the parent image's id and *key*."""
    slug = re.sub(r"[^a-z0-9_.-]", "_", name.lower())
    return f"{repository}:{slug}-{_key(engine.images.get(parent).id, *key)}"


def index_image(
    engine: docker.DockerClient, harness: str, target: str, *, log: Any = print
) -> str:
    """The image the index container runs for *target*: *harness*, plus, for a target that
    runs a tool of its own (devpi-server, dumb-pypi), that tool's environment in
    :data:`INDEX_CACHE` holding exactly the distributions of the one provisioned here."""
    from wheelnext.conformance.adapters._tools import _distributions, provision
    from wheelnext.conformance.index_targets import TOOL_TARGETS

    if target not in TOOL_TARGETS:
        return harness
    name, version = TOOL_TARGETS[target]
    try:
        env = provision(name, version, cache=default_cache())
    except WheelnextError as exc:
        raise RunnerError(f"--index-target {target}: {exc}") from None
    requirements = [f"{n}=={v}" for n, v in _distributions(env)]
    tag = _child_tag(engine, "wheelnext-index", harness, f"{target}-{version}", *requirements)
    if _exists(engine, tag):
        return tag
    with tempfile.TemporaryDirectory(prefix="wheelnext-index-") as tmp:
        wheels = Path(tmp) / "wheels"
        log(f"building the wheels of {name}=={version} for the index image ...")
        _host_pip(["wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), *requirements],
                  Path(tmp) / "home")
        prefix = f"{INDEX_CACHE}/tools/{name}-{version}"
        script = (
            f"{PYTHON} -m venv --without-pip {prefix}\n"
            f"{HARNESS_PREFIX}/bin/python -m pip --python {prefix}/bin/python install --quiet "
            f"--no-index --no-deps /tmp/layer/*.whl\n"
            f"touch {prefix}/.complete\n"
        )
        log(f"installing {name}=={version} -> {tag}")
        return _layer(engine, harness, tag, sorted(wheels.iterdir()), script)


def installer_image(
    engine: docker.DockerClient,
    harness: str,
    kind: str,
    version: str,
    binary: Path | None = None,
    recipe: ImageRecipe | None = None,
) -> str:
    """*harness* plus the installer (``pip`` at *version*, the ``uv`` *binary*, or the
    ``tool`` (pdm, poetry) or ``command`` adapter's tool made by *recipe*).

    The reference installer (``wheelnext``) is the harness image's own wheelnext.
    """
    if kind == "wheelnext":
        return harness
    tag = _child_tag(engine, "wheelnext-installer", harness, f"{kind}-{version}", kind, version)
    if _exists(engine, tag):
        return tag
    with tempfile.TemporaryDirectory(prefix="wheelnext-installer-") as tmp:
        files: list[Path]
        if kind == "pip":
            _host_pip(
                [
                    "download",
                    "--quiet",
                    "--no-deps",
                    "--only-binary",
                    ":all:",
                    "--dest",
                    tmp,
                    f"pip=={version}",
                ],
                Path(tmp) / "home",
            )
            files = sorted(Path(tmp).glob("pip-*.whl"))
            # Running pip from its own wheel installs it: no pip is needed in the image.
            script = (
                f"{PYTHON} -m venv --without-pip {INSTALLER_PREFIX}\n"
                f"whl=$(ls /tmp/layer/pip-*.whl)\n"
                f"{INSTALLER_PREFIX}/bin/python $whl/pip install --quiet --no-index $whl\n"
            )
        elif kind == "uv":
            if binary is None:
                raise RunnerError("image build: uv needs its binary")
            files = [binary]
            script = (
                f"mkdir -p {INSTALLER_PREFIX}/bin\n"
                f"cp /tmp/layer/{binary.name} {INSTALLER_PREFIX}/bin/uv\n"
                f"{INSTALLER_PREFIX}/bin/uv --version\n"
            )
        elif kind in ("command", "tool"):
            if recipe is None:
                raise RunnerError(f"image build: a {kind} adapter needs its image recipe")
            return _recipe_layer(engine, harness, tag, recipe, Path(tmp), own_pip=kind == "command")
        else:
            raise RunnerError(f"--runner docker: no image recipe for installer {kind!r}")
        return _layer(engine, harness, tag, files, script)


def _recipe_layer(
    engine: docker.DockerClient,
    harness: str,
    tag: str,
    recipe: ImageRecipe,
    tmp: Path,
    *,
    own_pip: bool = True,
) -> str:
    """A ``command`` or ``tool`` adapter's layer: its ``pip`` wheels built here, then its
    ``commands``.

    Without *own_pip* (pdm, poetry) the environment gets no pip of its own: the harness's
    pip installs the wheels into it, so it holds what the tool environment here holds.
    """
    wheels = tmp / "wheels"
    wheels.mkdir()
    pip = f"{INSTALLER_PREFIX}/bin/python -m pip"
    script = f"{PYTHON} -m venv {INSTALLER_PREFIX}\n"
    if not own_pip:
        pip = f"{HARNESS_PREFIX}/bin/python -m pip --python {INSTALLER_PREFIX}/bin/python"
        script = f"{PYTHON} -m venv --without-pip {INSTALLER_PREFIX}\n"
    if recipe.pip:
        _host_pip(["wheel", "--quiet", "--wheel-dir", str(wheels), *recipe.pip], tmp / "home")
        script += f"{pip} install --quiet --no-index --find-links /tmp/layer /tmp/layer/*.whl\n"
    script += f"export PATH={INSTALLER_PREFIX}/bin:{CONTAINER_PATH}\n"
    script += "".join(f"{command}\n" for command in recipe.commands)
    return _layer(
        engine, harness, tag, sorted(wheels.iterdir()), script, network=bool(recipe.commands)
    )


def recipe_key(recipe: ImageRecipe) -> str:
    """The ``version`` part of a ``command`` tool's image tag: its recipe's content."""
    return _key(*recipe.pip, "\0commands", *recipe.commands)


def installer_recipe(installer: Installer) -> tuple[str, str, Path | None]:
    """(kind, version, binary) of an adapter the docker runner can bake into an image.

    The adapter's class says which recipe bakes it: pip from its wheel, uv from its
    binary, pdm and poetry (kind ``tool``) from the distributions of their tool
    environment, a ``command`` adapter from its ``[image]`` table (the version of
    these two is then the tool's name and the recipe's key); wheelnext is the
    harness image's own.
    """
    match installer:
        case PdmInstaller() | PoetryInstaller():
            recipe = ImageRecipe(pip=installer.image.requirements)
            return "tool", f"{installer.image.module}-{recipe_key(recipe)}", None
        case PipInstaller():
            return "pip", installer.version, None
        case UvInstaller():
            return "uv", installer.version, installer.binary
        case WheelnextInstaller():
            return "wheelnext", installer.version, None
        case CommandInstaller(image=ImageRecipe() as recipe):
            return "command", f"{installer.tool}-{recipe_key(recipe)}", None
        case CommandInstaller():
            raise RunnerError(
                f"--runner docker: installer {installer.tool!r} has no [image] table "
                "saying how to install it in a container (pip = [...] or commands = [...])"
            )
    raise RunnerError(
        f"--runner docker: installer {installer.name!r} has no image recipe "
        "(pip, uv, pdm, poetry, wheelnext and command adapters with an [image] table do)"
    )


def image_recipe(installer: Installer) -> ImageRecipe | None:
    """A ``command`` adapter's ``[image]`` recipe, pdm's and poetry's requirements as one
    (None for the other adapters)."""
    if isinstance(installer, PdmInstaller | PoetryInstaller):
        return ImageRecipe(pip=installer.image.requirements)
    return installer.image if isinstance(installer, CommandInstaller) else None


def check_bakeable(specs: Sequence[InstallerSpec]) -> None:
    """Refuse, before anything is provisioned, a ``command`` adapter without an ``[image]``
    table: the only adapter whose recipe its spec alone decides."""
    for spec in specs:
        if spec.name == "command":
            assert spec.path is not None
            installer_recipe(CommandInstaller.from_file(spec.path, config=spec.config))


def in_image_path(installer: Installer) -> str:
    """``PATH`` in the job's container: a ``command`` tool's ``bin`` first."""
    if isinstance(installer, CommandInstaller):
        return f"{INSTALLER_PREFIX}/bin:{CONTAINER_PATH}"
    return CONTAINER_PATH


def in_image_argv(installer: Installer, argv: Sequence[str]) -> list[str]:
    """The adapter's command with its host executable replaced by the one in the image.

    A ``command`` adapter's argv names its tool as found on ``PATH``
    (:func:`in_image_path`); only ``{harness-python}`` (this interpreter) becomes
    the harness image's. pdm and poetry start as ``python -m MODULE`` of
    ``/opt/installer``, in place of their command here.
    """
    kind, _, _ = installer_recipe(installer)
    if isinstance(installer, PdmInstaller | PoetryInstaller):
        start = [f"{INSTALLER_PREFIX}/bin/python", "-m", installer.image.module]
        return [*start, *argv[len(installer.command) :]]
    if kind == "command":
        harness = f"{HARNESS_PREFIX}/bin/python"
        return [arg.replace(sys.executable, harness) for arg in argv]
    first = {
        "pip": f"{INSTALLER_PREFIX}/bin/python",
        "uv": f"{INSTALLER_PREFIX}/bin/uv",
        "wheelnext": f"{HARNESS_PREFIX}/bin/python",
    }[kind]
    return [first, *argv[1:]]


def build_cli(*, base: str | None, installers: Sequence[str]) -> None:
    """``wheelnext conformance image build``: make (or reuse) every layer and print the tags."""
    engine = client()
    harness = build_harness(engine, base)
    for spec in installers:
        adapter = make_installer(spec, cache=default_cache())
        kind, version, binary = installer_recipe(adapter)
        tag = installer_image(engine, harness, kind, version, binary, image_recipe(adapter))
        print(f"{spec:<8} {tag}")


def build_harness(engine: docker.DockerClient, base: str | None) -> str:
    """The base and harness layers, made or reused, their tags printed."""
    base_tag = base or base_image(engine, log=_stderr)
    harness = harness_image(engine, base_tag, log=_stderr)
    print(f"base     {base_tag}")
    print(f"harness  {harness}")
    return harness


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def default_base() -> str | None:
    """The image named by ``WHEELNEXT_DOCKER_IMAGE``, if any (used instead of debootstrap)."""
    return os.environ.get("WHEELNEXT_DOCKER_IMAGE") or None
