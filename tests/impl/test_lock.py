"""``wheelnext lock`` writes pylock.toml (PEP 751); ``install -r pylock.toml`` never resolves."""

from __future__ import annotations

import tomllib
from pathlib import Path

from _support.installer import index_args, installed, make_env, run, served

PACKAGES = {
    "internal": [{"name": "alpha", "version": "1.0", "requires-dist": ["beta"]}],
    "pypi": [
        {"name": "beta", "version": "2.0"},
        {"name": "gamma", "version": "1.0",
         "variant": {"label": "fast", "properties": ["ns :: f :: on"]}},
        {"name": "gamma", "version": "1.0"},
    ],
}


def test_lock_then_install_from_lock(tmp_path: Path) -> None:
    python = make_env(tmp_path)
    lock_path = tmp_path / "pylock.toml"
    with served(tmp_path, PACKAGES) as server:
        result = run(["lock", "--python", str(python), "--no-cache", "-o", str(lock_path),
                      *index_args(server, ["internal", "pypi"]), "alpha", "gamma",
                      "--variant-property", "ns :: f :: on"])
        assert result.exit_code == 0, result.output
        data = tomllib.loads(lock_path.read_text())
        assert data["lock-version"] == "1.0"
        by_name = {p["name"]: p for p in data["packages"]}
        assert by_name["alpha"]["index"] == server.index_url("internal")
        assert by_name["beta"]["index"] == server.index_url("pypi")
        assert by_name["alpha"]["tool"]["wheelnext"]["index-name"] == "internal"
        assert by_name["gamma"]["wheels"][0]["name"].endswith("-fast.whl")
        assert list(by_name["gamma"]["variants-json"]["variants"]) == ["fast"]
        assert by_name["alpha"]["wheels"][0]["hashes"]["sha256"]
        server.log.clear()
        done = run(["install", "--python", str(python), "--no-cache", "-r", str(lock_path),
                    "--variant-property", "ns :: f :: on"])
        assert done.exit_code == 0, done.output
        assert not [r for r in server.requests if "/simple/" in r.path]
    assert installed(python) == {"alpha": "1.0", "beta": "2.0", "gamma": "1.0"}


def test_unsupported_lock_version(tmp_path: Path) -> None:
    lock_path = tmp_path / "pylock.toml"
    lock_path.write_text('lock-version = "2.0"\n')
    result = run(["install", "--python", str(make_env(tmp_path)), "--no-cache", "-r",
                  str(lock_path)])
    assert result.exit_code != 0
    assert "lock-version '2.0' is not supported" in str(result.exception)


def test_local_wheel_hash_is_validated(tmp_path: Path) -> None:
    from wheelnext.build.builder import build_dist
    from wheelnext.build.spec import spec_from_mapping

    wheel = build_dist(spec_from_mapping({"name": "alpha", "version": "1.0"}, source="t"),
                       tmp_path)
    lock_path = tmp_path / "pylock.toml"
    lock_path.write_text(
        'lock-version = "1.0"\n[[packages]]\nname = "alpha"\nversion = "1.0"\n'
        f'[[packages.wheels]]\npath = "{wheel.name}"\nhashes = {{ sha256 = "{"0" * 64}" }}\n'
    )
    python = make_env(tmp_path)
    result = run(["install", "--python", str(python), "--no-cache", "-r", str(lock_path)])
    assert result.exit_code != 0
    assert "sha256 does not match the lock" in str(result.exception)
    assert installed(python) == {}


def test_no_variants_reaches_lock_installs(tmp_path: Path) -> None:
    """``--no-variants`` with ``-r pylock.toml``: the lock's variant wheel is not chosen and its
    ``[packages.variants-json]`` is not read, so a table breaking its schema does not matter
    (PEP 817: "The non-variant wheel is also used if variant support is explicitly disabled
    by an installer flag"; the lock's table serves only variant-aware resolution)."""
    from wheelnext.build.builder import build_dist
    from wheelnext.build.spec import spec_from_mapping

    wheels = [build_dist(spec_from_mapping(table, source="t"), tmp_path) for table in (
        {"name": "gamma", "version": "1.0",
         "variant": {"label": "fast", "properties": ["ns :: f :: on"]}},
        {"name": "gamma", "version": "1.0",
         "files": [{"path": "gamma/plain.txt", "text": "plain"}]},
    )]
    lock_path = tmp_path / "pylock.toml"
    listed = "".join(f'[[packages.wheels]]\npath = "{wheel.name}"\n' for wheel in wheels)
    lock_path.write_text(
        'lock-version = "1.0"\n[[packages]]\nname = "gamma"\nversion = "1.0"\n' + listed
        + '[packages.variants-json]\n'
        '"$schema" = "https://variants-schema.wheelnext.dev/peps/825/v0.1.1.json"\n'
        'default-priorities = { namespace = [] }\n'
        'variants = { fast = { ns = { f = ["on"] } } }\n'
    )
    python = make_env(tmp_path)
    result = run(["install", "--python", str(python), "--no-cache", "-r", str(lock_path),
                  "--no-variants", "--variant-property", "ns :: f :: on"])
    assert result.exit_code == 0, result.output
    assert installed(python) == {"gamma": "1.0"}
    purelib = next(python.parent.parent.glob("lib/python*/site-packages"))
    assert (purelib / "gamma" / "plain.txt").is_file()
