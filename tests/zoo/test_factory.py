"""The shared head/compile keywords (zoo/factory.py): one definition, every factory's signature."""

from __future__ import annotations

import dataclasses
import inspect

import keras
import pytest

from keras_zoo import zoo
from keras_zoo.base.errors import InputTypeError
from keras_zoo.zoo.factory import CompileArgs, HeadArgs, model_factory, shared_keywords, variant

HEAD = tuple(f.name for f in dataclasses.fields(HeadArgs))
COMPILE = tuple(f.name for f in dataclasses.fields(CompileArgs))


@pytest.mark.parametrize("name", zoo.list_models())
def test_every_factory_lists_the_shared_keywords_once(name):
    params = inspect.signature(zoo.model_info(name).factory).parameters
    wanted = set(COMPILE) - ({"jit_compile"} if name == "seq2seq" else set())
    if name != "seq2seq":
        wanted |= set(HEAD)
    assert wanted <= set(params)
    assert "head_args" not in params and "compile_args" not in params
    assert list(params)[-1] == "name"


def test_family_defaults_and_documentation():
    rnn = inspect.signature(zoo.rnn).parameters
    assert (rnn["global_clipnorm"].default, rnn["steps_per_execution"].default,
            rnn["jit_compile"].default) == (1.0, 1, False)
    assert inspect.signature(zoo.ann).parameters["steps_per_execution"].default == 32
    assert inspect.signature(zoo.bilstm).parameters["global_clipnorm"].default == 1.0
    for factory in (zoo.ann, zoo.cnn, zoo.rnn, zoo.seq2seq):
        doc = factory.__doc__
        args = doc[doc.index("Args:"):doc.index("Returns:")]
        for key in ("optimizer", "learning_rate", "seed", "compile"):
            assert f"\n        {key}: " in args, (factory.__name__, key)
    assert "3e-3" in zoo.seq2seq.__doc__.split("learning_rate:")[1].split("\n        clip")[0]


def test_the_keywords_reach_the_model():
    model = zoo.ann(4, task="multiclass", num_classes=3, hidden_units=(5,), optimizer="sgd",
                    learning_rate=0.05, global_clipnorm=0.5, steps_per_execution=4)
    assert model.output_shape == (None, 3)
    assert model.optimizer.global_clipnorm == 0.5
    assert float(model.optimizer.learning_rate) == pytest.approx(0.05)
    assert model.steps_per_execution == (1 if keras.backend.backend() == "torch" else 4)
    assert not zoo.ann(4, task="binary", compile=False).compiled


def test_unknown_or_duplicated_keywords_are_refused_by_name():
    with pytest.raises(InputTypeError, match="Did you mean 'learning_rate'"):
        zoo.cnn((8, 8, 1), num_classes=3, learnig_rate=0.1)
    with pytest.raises(InputTypeError, match="Did you mean 'hidden_units'"):
        zoo.create_model("ann", input_dim=3, task="binary", hiden_units=(2,))
    with pytest.raises(TypeError, match="multiple values"):
        zoo.ann(3, input_dim=3, task="binary")
    with pytest.raises(InputTypeError, match="cell"):
        zoo.lstm(vocab_size=10, task="binary", cell="gru")  # fixed by the variant


def test_a_new_builder_and_its_variant():
    @model_factory(steps_per_execution=2)
    def tiny(width: int = 3, *, name: str = "tiny", head_args: HeadArgs,
             compile_args: CompileArgs):
        """A test family.

        Args:
            width: Units.
            name: The name.

        Returns:
            A tuple.
        """
        return width, name, head_args, compile_args

    width, name, head_args, compile_args = tiny(task="binary", learning_rate=0.1)
    assert (width, name, head_args.task, compile_args.learning_rate) == (3, "tiny", "binary", 0.1)
    assert compile_args.steps_per_execution == 2
    assert list(inspect.signature(tiny).parameters) == ["width", *shared_keywords(), "name"]
    assert tiny.__doc__.index("learning_rate:") < tiny.__doc__.index("Returns:")
    wide = variant(tiny, "wide", fixed={"width": 9}, defaults={"learning_rate": 0.5})
    assert "width" not in inspect.signature(wide).parameters
    assert wide()[0] == 9 and wide()[1] == "wide" and wide()[3].learning_rate == 0.5
    with pytest.raises(InputTypeError):
        wide(width=2)


@pytest.mark.parametrize("name", zoo.list_models())
def test_every_factory_pickles(name):
    """Worker processes of a parallel search receive the factory pickled."""
    import pickle

    factory = zoo.model_info(name).factory
    assert pickle.loads(pickle.dumps(factory)) is factory


def test_metric_and_loss_objects_given_are_the_ones_compiled():
    import keras

    auc, loss = keras.metrics.AUC(name="auc"), keras.losses.BinaryCrossentropy()
    head = HeadArgs(task="binary", metrics=[auc], loss=loss).resolve()
    assert head.metrics[0] is auc and head.loss is loss
