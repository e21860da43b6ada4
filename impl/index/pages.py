"""The simple API pages in both serializations: PEP 503 HTML and PEP 691 JSON.

File URLs are absolute paths on this server (``/files/...`` or
``/NAME/files/...``): PEP 503 "URLs may be either absolute or relative as
long as they point to the correct location", and PEP 691 resolves them "as if
it were HTML".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

from wheelnext.index.features import (
    API_VERSION as API_VERSION_META,
)
from wheelnext.index.features import (
    CORE_METADATA,
    DEFAULT,
    DIST_INFO_METADATA,
    HASHES,
    METADATA_VERBATIM,
    REQUIRES_PYTHON,
    SDIST_VALIDATION,
    VARIANTS_FILE,
    VARIANTS_VALIDATION,
    WHLX_FILES,
    YANKED,
    Personality,
)
from wheelnext.index.repository import ListedFile, Project
from wheelnext.index.variants_file import parse_variants_filename

#: PEP 700 added ``versions``, ``size`` and ``upload-time`` as API version 1.1;
#: the optional features of 1.2 to 1.4 (tracks, provenance, project status)
#: are not served, so 1.1 is the version whose features this index has.
API_VERSION = "1.1"


def _html_page(title: str, body: list[str], features: Personality = DEFAULT) -> bytes:
    meta = f'    <meta name="pypi:repository-version" content="{API_VERSION}">'
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        *([meta] if features.has(API_VERSION_META) else []),
        f"    <title>{escape(title)}</title>",
        "  </head>",
        "  <body>",
        f"    <h1>{escape(title)}</h1>",
        *(f"    {line}<br>" for line in body),
        "  </body>",
        "</html>",
        "",
    ]
    return "\n".join(lines).encode()


def project_list_html(
    names: Sequence[str], base: str, features: Personality = DEFAULT
) -> bytes:
    """PEP 503 "a single anchor element per project in the repository"."""
    return _html_page(
        "Simple index",
        [f'<a href="{escape(base + name)}/">{escape(name)}</a>' for name in names],
        features,
    )


def project_list_json(names: Sequence[str]) -> bytes:
    document = {"meta": {"api-version": API_VERSION}, "projects": [{"name": n} for n in names]}
    return json.dumps(document).encode()


def listed(project: Project, features: Personality = DEFAULT) -> list[ListedFile]:
    """The files a project page lists: ``*-variants.json`` only with the PEP 825 feature,
    ``.whlx`` files only with ``whlx-files`` (PEP 777), the variant wheels the index
    rejected only without ``variants-validation``, and the sdists it refused only without
    ``sdist-validation``."""
    files = list(project.files)
    if not features.has(WHLX_FILES):
        files = [f for f in files if not f.filename.endswith(".whlx")]
    if not features.has(VARIANTS_VALIDATION):
        files = sorted([*files, *project.rejected], key=lambda f: f.filename)
    if not features.has(SDIST_VALIDATION):
        files = sorted([*files, *project.refused_sdists], key=lambda f: f.filename)
    if features.has(VARIANTS_FILE):
        return files
    return [f for f in files if parse_variants_filename(f.filename) is None]


def _metadata_sha256(file: ListedFile, features: Personality) -> str | None:
    """The hash of the ``.metadata`` file served: the wheel's own, or a knockout's rebuild."""
    if file.core_metadata_sha256 is None or features.has(METADATA_VERBATIM):
        return file.core_metadata_sha256
    return file.rebuilt_metadata_sha256()


def _anchor(file: ListedFile, files_base: str, features: Personality = DEFAULT) -> str:
    fragment = f"#sha256={file.sha256}" if features.has(HASHES) else ""
    attributes = [f'href="{escape(files_base + file.filename)}{fragment}"']
    if file.requires_python is not None and features.has(REQUIRES_PYTHON):
        # PEP 503: "< and > have to be HTML encoded as &lt; and &gt;".
        attributes.append(f'data-requires-python="{escape(file.requires_python)}"')
    if (metadata_sha256 := _metadata_sha256(file, features)) is not None:
        # PEP 714: "MUST be emitted using the attribute name data-core-metadata";
        # the legacy name "MAY also be emitted ... it MUST match".
        value = f"sha256={metadata_sha256}"
        if features.has(CORE_METADATA):
            attributes.append(f'data-core-metadata="{value}"')
        if features.has(DIST_INFO_METADATA):
            attributes.append(f'data-dist-info-metadata="{value}"')
    if file.yanked is not None and features.has(YANKED):
        attributes.append(f'data-yanked="{escape(file.yanked)}"' if file.yanked else "data-yanked")
    return f"<a {' '.join(attributes)}>{escape(file.filename)}</a>"


def project_html(project: Project, files_base: str, features: Personality = DEFAULT) -> bytes:
    return _html_page(
        f"Links for {project.name}",
        [_anchor(f, files_base, features) for f in listed(project, features)],
        features,
    )


def _file_json(file: ListedFile, files_base: str, features: Personality) -> dict[str, Any]:
    # "The hashes dictionary MUST be present, even if no hashes are available for the
    # file": without the hashes feature it is empty.
    entry: dict[str, Any] = {
        "filename": file.filename,
        "url": files_base + file.filename,
        "hashes": {"sha256": file.sha256} if features.has(HASHES) else {},
        "size": file.size,
    }
    if file.upload_time is not None:
        entry["upload-time"] = file.upload_time
    if file.requires_python is not None and features.has(REQUIRES_PYTHON):
        entry["requires-python"] = file.requires_python
    if (metadata_sha256 := _metadata_sha256(file, features)) is not None:
        hashes = {"sha256": metadata_sha256}
        if features.has(CORE_METADATA):
            entry["core-metadata"] = hashes
        if features.has(DIST_INFO_METADATA):
            entry["dist-info-metadata"] = hashes
    if file.yanked is not None and features.has(YANKED):
        entry["yanked"] = file.yanked or True
    return entry


def project_json(project: Project, files_base: str, features: Personality = DEFAULT) -> bytes:
    document = {
        "meta": {"api-version": API_VERSION},
        "name": project.name,
        "files": [_file_json(f, files_base, features) for f in listed(project, features)],
        "versions": project.versions,
    }
    return json.dumps(document).encode()
