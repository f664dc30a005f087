"""One definition of the head, optimizer and compile keywords every factory takes.

Every family builds its own architecture but ends the same way: a task head (output units,
activation, loss, metrics) and a compile step (optimizer, learning rate, clipping, execution
settings). Those keywords are defined once here, as the fields of :class:`HeadArgs` and
:class:`CompileArgs` (type, default and documentation), and :func:`model_factory` adds them to a
family's builder:

* the public signature (``inspect.signature``, ``help()``, Jupyter's completion, the registry's
  and the search's keyword checks) lists the builder's own keywords followed by the shared ones,
  with the family's own defaults where it overrides them;
* the docstring's ``Args:`` section gets the shared keywords' documentation appended;
* a call binds the keywords to that signature (an unknown keyword raises
  :class:`~keras_zoo.base.errors.InputTypeError` naming the closest accepted one) and hands the
  builder ``head_args`` and ``compile_args`` objects instead of fifteen loose keywords.

The scikit-learn estimators read their parameters off the same signature, so a keyword added here
or to ``ann()`` is at once a ``GridSearchCV`` parameter.

Example:
    >>> import inspect, keras_zoo as kz
    >>> params = inspect.signature(kz.zoo.ann).parameters
    >>> params["learning_rate"].default is None, params["steps_per_execution"].default
    (True, 32)
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import keras

from keras_zoo.base import closest
from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.zoo import catalog
from keras_zoo.zoo.heads import Head, resolve_head

__all__ = ["CompileArgs", "HeadArgs", "model_factory", "shared_keywords", "variant"]


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True)
class HeadArgs:
    """The task head's keywords (see :func:`keras_zoo.zoo.heads.resolve_head`)."""

    task: str | None = field(default=None, metadata=_doc(
        "``binary``, ``multiclass``, ``multilabel`` or ``regression``; inferred from "
        "``num_classes`` when omitted (see ``keras_zoo.zoo.heads``)."))
    num_classes: int | None = field(default=None, metadata=_doc(
        "Classes (multiclass) or labels (multilabel)."))
    num_outputs: int = field(default=1, metadata=_doc("Regression targets."))
    output_activation: Any = field(default=None, metadata=_doc(
        "Overrides the head's output activation (e.g. ``tanh`` with the hinge loss)."))
    loss: Any = field(default=None, metadata=_doc(
        "Any catalog loss (``mse``, ``mae``, ``huber``, ``pseudo_huber``, "
        "``binary_crossentropy``, ``hinge`` ...) or a Keras loss; ``None`` takes the task's "
        "default."))
    label_format: str | None = field(default=None, metadata=_doc(
        "Multiclass labels: ``\"sparse\"`` (integers; alias ``\"integer\"``) or ``\"onehot\"`` "
        "(alias ``\"categorical\"``); ``None``: what the loss expects, else sparse."))
    label_smoothing: float = field(default=0.0, metadata=_doc(
        "Label smoothing of the cross-entropy losses, in ``[0, 1)``."))
    metrics: Sequence[Any] | None = field(default=None, metadata=_doc(
        "Metrics for ``compile``; ``None`` gives accuracy (classifiers) or MAE and R^2."))

    def resolve(self) -> Head:
        """The :class:`~keras_zoo.zoo.heads.Head` these keywords describe (checked)."""
        # Not dataclasses.asdict: it deep-copies, and a user's metric object must be the one
        # the model updates.
        return resolve_head(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})


@dataclass(frozen=True)
class CompileArgs:
    """The optimizer and compile keywords, plus ``seed`` and ``compile``."""

    optimizer: Any = field(default="adam", metadata=_doc(
        "Any catalog optimizer: ``gd`` (full batch), ``sgd`` (batch 1), ``minibatch_sgd``, "
        "``momentum``, ``nesterov``, ``adagrad``, ``rmsprop``, ``adam`` (default), ``adamw`` "
        "... or a Keras optimizer. ``kz.zoo.fit`` picks the batch size ``gd``/``sgd`` imply."))
    learning_rate: float | None = field(default=None, metadata=_doc(
        "``None`` keeps the optimizer's Keras default."))
    clipnorm: float | None = field(default=None, metadata=_doc(
        "Clip each gradient's norm."))
    clipvalue: float | None = field(default=None, metadata=_doc(
        "Clip gradients element-wise."))
    global_clipnorm: float | None = field(default=None, metadata=_doc(
        "Clip the norm of all gradients together (Keras allows one of the three)."))
    steps_per_execution: int = field(default=32, metadata=_doc(
        "Batches per compiled call of ``model.fit`` (several are faster for small models). "
        "The PyTorch backend runs one batch per call: there the model is compiled with 1."))
    jit_compile: bool | str = field(default="auto", metadata=_doc(
        "XLA compilation; ``\"auto\"`` is Keras' rule (off on CPU-only machines)."))
    seed: int | None = field(default=None, metadata=_doc(
        "Seeds Python, NumPy and Keras before the weights are created."))
    compile: bool = field(default=True, metadata=_doc(
        "Return the model compiled (default) or not."))

    def apply(self, model: keras.Model, head: Head) -> keras.Model:
        """Compile ``model`` with the head's loss and metrics, unless ``compile=False``."""
        if self.compile:
            compile_model(model, head, **self.optimizer_settings(),
                          steps_per_execution=self.steps_per_execution,
                          jit_compile=self.jit_compile)
        return model

    def optimizer_settings(self) -> dict[str, Any]:
        return {"optimizer": self.optimizer, "learning_rate": self.learning_rate,
                "clipnorm": self.clipnorm, "clipvalue": self.clipvalue,
                "global_clipnorm": self.global_clipnorm}


def compile_model(model: keras.Model, head: Head, *, optimizer: Any = "adam",
                  learning_rate: float | None = None, clipnorm: float | None = None,
                  clipvalue: float | None = None, global_clipnorm: float | None = None,
                  steps_per_execution: int = 1, jit_compile: bool | str = "auto",
                  weighted_metrics: bool = False) -> keras.Model:
    """Compile ``model`` with the head's loss and metrics and a catalog optimizer.

    ``weighted_metrics=True`` passes the head's metrics as Keras' ``weighted_metrics`` (so
    sample weights, e.g. Seq2Seq's padding mask, apply to them).
    """
    if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
        raise InputValueError("`steps_per_execution` must be a positive integer. "
                              f"Received: steps_per_execution={steps_per_execution!r}")
    if keras.backend.backend() == "torch":  # Keras' torch trainer refuses more than one
        steps_per_execution = 1
    opt = catalog.get_optimizer(optimizer, learning_rate=learning_rate, clipnorm=clipnorm,
                                clipvalue=clipvalue, global_clipnorm=global_clipnorm)
    metrics = {"weighted_metrics" if weighted_metrics else "metrics": head.metrics}
    model.compile(optimizer=opt, loss=head.loss, **metrics,
                  steps_per_execution=steps_per_execution, jit_compile=jit_compile)
    return model


_HEAD_FIELDS = tuple(f.name for f in dataclasses.fields(HeadArgs))
_COMPILE_FIELDS = tuple(f.name for f in dataclasses.fields(CompileArgs))
_HIDDEN = ("head_args", "compile_args")


def shared_keywords(head: bool = True) -> tuple[str, ...]:
    """The keyword names :func:`model_factory` adds (head keywords first)."""
    return (_HEAD_FIELDS if head else ()) + _COMPILE_FIELDS


def _shared_parameters(head: bool, exclude: Sequence[str], defaults: dict[str, Any]
                       ) -> list[inspect.Parameter]:
    groups = ([HeadArgs] if head else []) + [CompileArgs]
    return [inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY,
                              default=defaults.get(f.name, f.default), annotation=f.type)
            for cls in groups for f in dataclasses.fields(cls) if f.name not in exclude]


def _shared_docs(parameters: Sequence[inspect.Parameter], notes: dict[str, str]) -> str:
    fields = {f.name: f for cls in (HeadArgs, CompileArgs) for f in dataclasses.fields(cls)}
    lines = []
    for p in parameters:
        own_default = "" if p.default == fields[p.name].default else \
            f" Default here: ``{p.default!r}``."
        text = notes.get(p.name, fields[p.name].metadata["doc"])
        lines.append(textwrap.fill(f"{p.name}: {text}{own_default}",
                                   width=96, initial_indent=" " * 8,
                                   subsequent_indent=" " * 12))
    return "\n".join(lines)


def _insert_docs(doc: str | None, shared: str) -> str:
    """Append the shared keywords' entries at the end of the ``Args:`` section of ``doc``."""
    lines = inspect.cleandoc(doc or "").splitlines()
    lines = [("    " + line if line and i else line) for i, line in enumerate(lines)]
    if "    Args:" not in lines:
        return "\n".join(lines).rstrip() + "\n\n    Args:\n" + shared + "\n"
    end = lines.index("    Args:") + 1
    while end < len(lines) and (lines[end].startswith("        ") or not lines[end].strip()) \
            and not (not lines[end].strip() and end + 1 < len(lines)
                     and not lines[end + 1].startswith("        ")):
        end += 1
    return "\n".join([*lines[:end], *shared.splitlines(), *lines[end:]]) + "\n"


def _unexpected_keyword(name: str, err: TypeError, accepted: Sequence[str],
                        kwargs: dict[str, Any]) -> InputTypeError:
    unknown = [k for k in kwargs if k not in accepted]
    hint = closest(unknown[0], accepted) if unknown else None
    return InputTypeError(
        f"{name}() {err}." + (f" Did you mean {hint!r}?" if hint else "")
        + f" Accepted: {', '.join(accepted)}."
    )


def model_factory(*, head: bool = True, exclude: Sequence[str] = (),
                  notes: dict[str, str] | None = None,
                  **defaults: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a family's builder the shared head and compile keywords.

    The builder declares its own keywords and two more, ``head_args`` (a :class:`HeadArgs`,
    omitted with ``head=False``) and ``compile_args`` (a :class:`CompileArgs`), which stay out of
    the public signature.

    Args:
        head: Add the head keywords (``task``, ``num_classes``, ``loss`` ...). Seq2Seq, whose
            head is fixed, takes only the compile keywords.
        exclude: Shared keywords the family does not offer (they keep their defaults).
        notes: The family's own documentation of a shared keyword, replacing the shared one
            (e.g. what ``learning_rate=None`` means there).
        **defaults: The family's own defaults for shared keywords, e.g.
            ``steps_per_execution=1``.
    """
    unknown = set(defaults) - set(shared_keywords())
    if unknown:  # a programming error in a family module
        raise TypeError(f"model_factory() has no keyword(s) {sorted(unknown)}")

    def decorate(builder: Callable[..., Any]) -> Callable[..., Any]:
        own = [p for p in inspect.signature(builder).parameters.values() if p.name not in _HIDDEN]
        shared = _shared_parameters(head, exclude, defaults)
        # The model's name stays last, as in Keras' own signatures.
        tail = [p for p in own if p.name == "name"]
        public = inspect.Signature([*[p for p in own if p.name != "name"], *shared, *tail],
                                   return_annotation=inspect.signature(builder).return_annotation)
        accepted = list(public.parameters)

        @functools.wraps(builder)
        def factory(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = public.bind(*args, **kwargs)
            except TypeError as err:
                raise _unexpected_keyword(builder.__name__, err, accepted, kwargs) from None
            bound.apply_defaults()
            values = dict(bound.arguments)
            compile_values = {k: values.pop(k) for k in _COMPILE_FIELDS if k in values}
            if head:
                values["head_args"] = HeadArgs(**{k: values.pop(k) for k in _HEAD_FIELDS if k in values})
            return builder(**values, compile_args=CompileArgs(**compile_values))

        factory.__signature__ = public  # type: ignore[attr-defined]
        factory.__doc__ = _insert_docs(builder.__doc__, _shared_docs(shared, notes or {}))
        return factory

    return decorate


def variant(base: Callable[..., Any], name: str, *, fixed: dict[str, Any] | None = None,
            defaults: dict[str, Any] | None = None, drop: Sequence[str] = (),
            doc: str | None = None, module: str | None = None) -> Callable[..., Any]:
    """A factory that is ``base`` with some keywords fixed and others given new defaults.

    The variant's signature is ``base``'s without the ``fixed`` keywords (passed as given) and
    the ``drop`` ones (left at ``base``'s defaults), with ``defaults`` applied and ``name``
    defaulting to the variant's name; so ``inspect.signature``, the registry and the search see
    exactly what the variant accepts, and an unknown keyword is refused by name. The recurrent
    shortcuts (``lstm`` is ``rnn(cell="lstm")``), the CNN presets and the backbones are
    variants.
    """
    fixed, defaults = dict(fixed or {}), dict(defaults or {})
    base_sig = inspect.signature(base)
    if "name" in base_sig.parameters:
        defaults.setdefault("name", name)
    params = [p.replace(default=defaults[p.name]) if p.name in defaults else p
              for p in base_sig.parameters.values() if p.name not in fixed and p.name not in drop]
    public = base_sig.replace(parameters=params)
    accepted = list(public.parameters)

    def factory(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = public.bind(*args, **kwargs)
        except TypeError as err:
            raise _unexpected_keyword(name, err, accepted, kwargs) from None
        bound.apply_defaults()
        return base(**bound.arguments, **fixed)

    factory.__signature__ = public  # type: ignore[attr-defined]
    factory.__name__ = factory.__qualname__ = name
    # The module that defines the variant (so pickle, and worker processes, find it there).
    factory.__module__ = module or sys._getframe(1).f_globals.get("__name__", base.__module__)
    factory.__doc__ = doc
    return factory
