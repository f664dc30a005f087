"""The machinery every catalog table shares.

A table maps canonical names, aliases and any spelling that differs only in case, dashes, spaces
or CamelCase to one :class:`ComponentInfo`; builds resolve through Keras' own lookups
(:func:`keras_component`), and a wrong name or setting raises the library's errors with the valid
choices and "Did you mean ...?".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from keras_zoo.base import normalize_name, unknown_name_error, wildcard_filter
from keras_zoo.base.errors import InputTypeError, InputValueError

__all__ = ["ComponentInfo", "ComponentTable", "keras_component"]


@dataclass(frozen=True)
class ComponentInfo:
    """One entry of a catalog table.

    Attributes:
        name: Canonical name.
        description: One line on what it is and when to use it.
        build: Callable returning a fresh Keras object from keyword settings.
        aliases: Other accepted names.
        defaults: Settings applied unless the caller overrides them.
        extra: Table-specific facts (the tasks a loss suits, the batch size an optimizer implies ...).
        keras_name: The Keras identifier or class name the entry resolves to (``"Huber"``,
            ``"keras_zoo>PseudoHuber"``, ``"relu"`` ...), or ``None``.
    """

    name: str
    description: str
    build: Callable[..., Any]
    aliases: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    keras_name: str | None = None


def keras_component(get: Callable[[Any], Any], keras_name: str, name: str, description: str,
                    aliases: tuple[str, ...] = (), *, defaults: Mapping[str, Any] | None = None,
                    extra: Mapping[str, Any] | None = None) -> ComponentInfo:
    """An entry that Keras builds: ``get({"class_name": keras_name, "config": settings})``.

    ``get`` is one of Keras' lookups (``keras.losses.get``, ``keras.optimizers.get``,
    ``keras.initializers.get``); ``keras_name`` a class name it knows, built in or registered
    (``keras.saving.get_registered_name`` of a keras_zoo class).
    """
    def build(**settings: Any) -> Any:
        return get({"class_name": keras_name, "config": settings})

    return ComponentInfo(name, description, build, tuple(aliases), dict(defaults or {}),
                         dict(extra or {}), keras_name)


class ComponentTable:
    """A catalog table: lookup by any accepted spelling, listing with descriptions, building."""

    def __init__(self, kind: str, argument: str, entries: list[ComponentInfo]):
        self.kind = kind
        self.argument = argument
        self.entries = {e.name: e for e in entries}
        self._lookup: dict[str, str] = {}
        for entry in entries:
            for key in (entry.name, *entry.aliases):
                self._lookup[normalize_name(key)] = entry.name
                self._lookup[normalize_name(key).replace("_", "")] = entry.name

    def canonical(self, name: str) -> str:
        key = normalize_name(name)
        found = self._lookup.get(key) or self._lookup.get(key.replace("_", ""))
        if found is None:
            raise unknown_name_error(self.kind, name, self.accepted_names(), self.argument)
        return found

    def info(self, name: str) -> ComponentInfo:
        return self.entries[self.canonical(name)]

    def accepted_names(self) -> list[str]:
        names = set(self.entries)
        for entry in self.entries.values():
            names.update(entry.aliases)
        return sorted(names)

    def names(self) -> list[str]:
        return list(self.entries)

    def listing(self, pattern: str | None = None) -> dict[str, str]:
        keep = wildcard_filter(self.entries, pattern) if pattern else list(self.entries)
        return {
            name: self.entries[name].description
            + (f" (aliases: {', '.join(self.entries[name].aliases)})" if self.entries[name].aliases
               else "")
            for name in self.entries if name in keep
        }

    def spec_name(self, spec: Any) -> str | None:
        """The canonical name of a name or ``{"name": ...}`` spec; ``None`` for anything else."""
        if isinstance(spec, (str, Mapping)):
            return self.split_spec(spec)[0].name
        return None

    def split_spec(self, spec: str | Mapping[str, Any]) -> tuple[ComponentInfo, dict[str, Any]]:
        """A name or ``{"name": ..., **settings}`` -> (entry, settings)."""
        if isinstance(spec, Mapping):
            settings = dict(spec)
            if "name" not in settings:
                raise InputValueError(
                    f"A {self.kind} given as a dict needs a 'name' key, e.g. "
                    f"{{'name': {next(iter(self.entries))!r}, ...}}. Received: {self.argument}={spec!r}"
                )
            name = settings.pop("name")
            return self.info(name), settings
        if isinstance(spec, str):
            return self.info(spec), {}
        raise InputTypeError(
            f"`{self.argument}` must be a name (str), a dict with a 'name', or a Keras object. "
            f"Received: {self.argument}={spec!r} of type {type(spec).__name__}"
        )

    def create(self, spec: str | Mapping[str, Any],
               overrides: Mapping[str, Any] | None = None) -> Any:
        """A fresh object from a name or ``{"name": ..., **settings}``, ``overrides`` on top."""
        info, settings = self.split_spec(spec)
        return self.build(info, {**settings, **(overrides or {})})

    def build(self, info: ComponentInfo, settings: dict[str, Any]) -> Any:
        """A fresh object of ``info`` with its defaults overridden by ``settings``.

        A setting the component does not take (or a value Keras refuses) raises
        ``InputValueError`` naming the component; keras_zoo's own checks pass through as they are.
        """
        merged = {**info.defaults, **settings}
        try:
            return info.build(**merged)
        except InputValueError:
            raise
        except (TypeError, ValueError) as err:
            # Keras re-raises a constructor's TypeError inside a long deserialization message.
            reason = err.__context__ if isinstance(err.__context__, TypeError) else err
            raise InputValueError(
                f"Invalid settings for {self.kind} {info.name!r}: {str(reason).rstrip('.')}. "
                f"Received: {settings!r}"
            ) from err
