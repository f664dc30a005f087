"""The model registry: ``register_model``, ``create_model``, ``list_models``.

Modelled on timm's registry: a factory is a plain function decorated with ``@register_model``;
its name is the model name. ``list_models("*lstm*")`` filters with shell wildcards and sorts
naturally; ``create_model(name, **kwargs)`` builds it. Unlike timm, an unknown model name or an
unknown keyword argument raises with the closest valid name instead of being ignored.

Example:
    >>> from keras_zoo import zoo
    >>> "ann" in zoo.list_models("an*")
    True
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from keras_zoo.base import closest, normalize_name, unknown_name_error, wildcard_filter
from keras_zoo.base.errors import InputTypeError, InputValueError

__all__ = [
    "ModelInfo",
    "check_kwargs",
    "create_model",
    "list_models",
    "model_info",
    "register_model",
]


@dataclass(frozen=True)
class ModelInfo:
    """What the registry knows of one model.

    Attributes:
        name: The registered name.
        factory: The function that builds it.
        family: ``"ann"``, ``"cnn"``, ``"rnn"``, ``"seq2seq"`` ...
        description: First line of the factory's docstring.
        aliases: Other accepted names (kept when a model is renamed).
        input_kind: What the model eats: ``"tabular"``, ``"image"``, ``"sequence"`` (token ids),
            ``"text"`` (raw strings) or ``"pairs"`` (source and target texts: seq2seq).
        example_kwargs: The smallest keyword arguments that build it (used by the zoo-wide test and
            ``keras-zoo models --verbose``).
    """

    name: str
    factory: Callable[..., Any]
    family: str
    description: str
    aliases: tuple[str, ...] = ()
    input_kind: str = "tabular"
    example_kwargs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> list[str]:
        """The factory's keyword arguments, each a tunable axis."""
        return [p.name for p in inspect.signature(self.factory).parameters.values()
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


_REGISTRY: dict[str, ModelInfo] = {}
_ALIASES: dict[str, str] = {}


def register_model(fn: Callable[..., Any] | None = None, *, name: str | None = None,
                   family: str | None = None, aliases: tuple[str, ...] = (),
                   input_kind: str = "tabular", example_kwargs: Mapping[str, Any] | None = None):
    """Register a model factory (usable bare, ``@register_model``, or with arguments).

    Args:
        fn: The factory. Its ``__name__`` is the model name unless ``name`` is given.
        name: The registered name.
        family: The model family; defaults to the factory's module name (``ann``, ``cnn`` ...).
        aliases: Extra names accepted by ``create_model``.
        input_kind: ``"tabular"``, ``"image"``, ``"sequence"``, ``"text"`` or ``"pairs"``.
        example_kwargs: Minimal arguments that build the model (for tests and listings).

    Raises:
        ValueError: The name or an alias is already registered to another factory.
    """

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        model_name = normalize_name(name or func.__name__)
        doc = inspect.getdoc(func) or ""
        info = ModelInfo(
            name=model_name,
            factory=func,
            family=family or func.__module__.rsplit(".", 1)[-1],
            description=doc.splitlines()[0] if doc else "",
            aliases=tuple(normalize_name(a) for a in aliases),
            input_kind=input_kind,
            example_kwargs=dict(example_kwargs or {}),
        )
        for key in (model_name, *info.aliases):
            owner = _ALIASES.get(key)
            if owner is not None and _REGISTRY[owner].factory is not func:
                raise InputValueError(f"A model named {key!r} is already registered ({owner!r}).")
        _REGISTRY[model_name] = info
        for key in (model_name, *info.aliases):
            _ALIASES[key] = model_name
        return func

    return decorator(fn) if fn is not None else decorator


def model_info(name: str) -> ModelInfo:
    """The :class:`ModelInfo` of a registered model (name or alias, any spelling)."""
    key = normalize_name(name)
    if key not in _ALIASES:
        raise unknown_name_error("model", name, _ALIASES, "model")
    return _REGISTRY[_ALIASES[key]]


def list_models(pattern: str | list[str] | None = None, *, family: str | None = None
                ) -> list[str]:
    """Registered model names, filtered by shell wildcards and family, naturally sorted.

    Example:
        >>> list_models("*lstm*")  # doctest: +SKIP
        ['bilstm', 'lstm']
    """
    names = [n for n, info in _REGISTRY.items() if family is None or info.family == family]
    return wildcard_filter(names, pattern)


def check_kwargs(factory: Callable[..., Any], kwargs: Mapping[str, Any], model: str) -> None:
    """Refuse keyword arguments the factory does not take, naming the closest one."""
    params = inspect.signature(factory).parameters
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return
    accepted = [p for p, v in params.items() if v.kind in (v.POSITIONAL_OR_KEYWORD, v.KEYWORD_ONLY)]
    for key in kwargs:
        if key not in accepted:
            hint = closest(key, accepted)
            raise InputTypeError(
                f"{model}() got an unexpected keyword argument {key!r}."
                + (f" Did you mean {hint!r}?" if hint else "")
                + f" Accepted: {', '.join(accepted)}."
            )


def create_model(name: str, **kwargs: Any) -> Any:
    """Build a registered model by name.

    Raises:
        ValueError: Unknown model name (the message lists the models and the closest one).
        TypeError: A keyword argument the factory does not take (with the closest one).
    """
    info = model_info(name)
    check_kwargs(info.factory, kwargs, info.name)
    return info.factory(**kwargs)
