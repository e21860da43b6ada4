"""Package discovery for the folder-to-import mapping (docs/design.rst, "Layout").

``pyproject.toml`` holds all static metadata; this file only computes the
package list, because ``find_packages`` cannot follow three source roots that
map onto one import root.
"""

from setuptools import find_packages, setup

ROOTS = {
    "wheelnext": "impl",
    "wheelnext.conformance": "conformance",
    "wheelnext.governance": "governance",
    "wheelnext.scenarios": "scenarios",
}

packages: list[str] = []
for package, folder in ROOTS.items():
    packages.append(package)
    packages.extend(f"{package}.{sub}" for sub in find_packages(folder))

setup(packages=packages, package_dir=ROOTS)
