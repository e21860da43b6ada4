"""Small immutable value objects for the selection path, without ``dataclasses``.

Written by hand because importing ``dataclasses`` (it imports ``inspect``,
``ast``, ``dis`` and ``tokenize``) costs more than a whole variant selection
with a built-in provider. :class:`Record` gives what a frozen dataclass gives
the classes that use it: equality and hashing over ``_fields`` (only between
instances of the same class), a ``Class(field=value, ...)`` repr, ordering
where ``_order`` is set, and ``AttributeError`` on assignment. Subclasses
write their own ``__init__`` and set attributes with :meth:`Record._init`.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar


class Record:
    """Base of the hand-written value classes (see the module docstring)."""

    _fields: ClassVar[tuple[str, ...]] = ()
    #: False: attributes may be assigned and instances are unhashable (``eq`` only).
    _frozen: ClassVar[bool] = True

    def _init(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __setattr__(self, name: str, value: Any) -> None:
        if self._frozen:
            raise AttributeError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if self._frozen:
            raise AttributeError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    def __hash__(self) -> int:
        # A class with _frozen = False sets __hash__ = None, as dataclass(eq=True) does.
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({shown})"


class OrderedRecord(Record):
    """A :class:`Record` ordered by its field values, like ``dataclass(order=True)``."""

    def __lt__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() < other._values()

    def __le__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() <= other._values()

    def __gt__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() > other._values()

    def __ge__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() >= other._values()
