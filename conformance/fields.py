"""Typed fields of a parsed JSON object, each refused in one line that names it.

Saved runs are read back through this (:class:`wheelnext.conformance.record.Record`,
:class:`wheelnext.conformance.check.Verdict`): a field of the wrong type is
reported as ``WHERE.FIELD: expected ..., got ...`` in the caller's error type.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wheelnext.conformance.errors import RecordError
from wheelnext.errors import WheelnextError

#: The default of :meth:`Fields.string` and friends when a field is required.
REQUIRED: Any = object()


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class Fields:
    """One JSON object, read field by field; *where* (``run.json: results[3]``) leads errors."""

    def __init__(
        self,
        value: object,
        where: str,
        *,
        what: str | None = None,
        error: type[WheelnextError] = RecordError,
    ) -> None:
        self.where = where
        self.error = error
        if not isinstance(value, dict):
            if what:
                raise error(f"{where}: {what} must be a JSON object")
            raise error(f"{where}: expected an object, got {_kind(value)}")
        self.data: dict[str, Any] = value

    def fail(self, key: str, message: str) -> WheelnextError:
        return self.error(f"{self.where}.{key}: {message}")

    def only(self, keys: Iterable[str]) -> None:
        """Refuse a field not among *keys*."""
        unknown = sorted(set(self.data) - set(keys))
        if unknown:
            raise self.fail(unknown[0], "not a field of this object")

    def _get(self, key: str, default: Any) -> tuple[bool, Any]:
        if key in self.data:
            return True, self.data[key]
        if default is REQUIRED:
            raise self.fail(key, "missing")
        return False, default

    def named(self, key: str) -> str:
        """A required string that names the object (its matrix cell, its scenario)."""
        value = self.data.get(key)
        if not isinstance(value, str):
            raise self.fail(key, "missing or not a string")
        return value

    def string(self, key: str, default: Any = REQUIRED) -> str:
        found, value = self._get(key, default)
        if found and not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {_kind(value)}")
        return str(value)

    def optional_string(self, key: str, default: Any = REQUIRED) -> str | None:
        found, value = self._get(key, default)
        if found and value is not None and not isinstance(value, str):
            raise self.fail(key, f"expected a string or null, got {_kind(value)}")
        return None if value is None else str(value)

    def boolean(self, key: str, default: Any = REQUIRED) -> bool:
        found, value = self._get(key, default)
        if found and not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {_kind(value)}")
        return bool(value)

    def optional_int(self, key: str, default: Any = REQUIRED) -> int | None:
        found, value = self._get(key, default)
        if found and value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.fail(key, f"expected an integer or null, got {_kind(value)}")
        return None if value is None else int(value)

    def optional_number(self, key: str, default: Any = REQUIRED) -> float | None:
        found, value = self._get(key, default)
        if found and value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            raise self.fail(key, f"expected a number or null, got {_kind(value)}")
        return None if value is None else float(value)

    def strings(self, key: str, default: Any = REQUIRED) -> tuple[str, ...]:
        found, value = self._get(key, default)
        if not found:
            return tuple(value)
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list of strings, got {_kind(value)}")
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise self.fail(f"{key}[{i}]", f"expected a string, got {_kind(item)}")
        return tuple(value)

    def objects(self, key: str, default: Any = REQUIRED) -> list[Fields]:
        """A list of objects, each read in turn (``key[i]`` in its errors)."""
        found, value = self._get(key, default)
        if not found:
            return list(value)
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list of objects, got {_kind(value)}")
        return [
            Fields(item, f"{self.where}.{key}[{i}]", error=self.error)
            for i, item in enumerate(value)
        ]

    def mapping(self, key: str, default: Any = REQUIRED) -> dict[str, Fields]:
        """An object of objects, each read in turn (``key.name`` in its errors)."""
        found, value = self._get(key, default)
        if not found:
            return dict(value)
        if not isinstance(value, dict):
            raise self.fail(key, f"expected an object, got {_kind(value)}")
        return {
            name: Fields(item, f"{self.where}.{key}.{name}", error=self.error)
            for name, item in value.items()
        }

    def child(self, key: str) -> Fields:
        _, value = self._get(key, REQUIRED)
        return Fields(value, f"{self.where}.{key}", error=self.error)

    def has(self, key: str) -> bool:
        return key in self.data

    def is_null(self, key: str) -> bool:
        return key not in self.data or self.data[key] is None

