"""`keras-zoo --help`, `--version`, `models`, `datasets`, `components`: answered without Keras.

Each runs the installed console script in a subprocess: the output must be what the live
registries print in-process, and neither `tensorflow` nor `keras` may be in the subprocess's
`sys.modules` when it ends.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_zoo as kz
from keras_zoo import cli
from keras_zoo.cli import listing as cli_listing
from keras_zoo.zoo import catalog

EXE = str(Path(sys.executable).with_name("keras-zoo"))

# Runs the console script as it is installed (argv[0] ends in `keras-zoo`) and, at exit, prints
# the heavy modules it imported.
PROBE = """\
import atexit, json, runpy, sys
heavy = lambda: sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
atexit.register(lambda: print("HEAVY " + json.dumps(heavy()), file=sys.stderr))
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""

LIGHT = [["--help"], ["--version"], ["models"], ["datasets"], ["components"], [],
         ["models", "*lstm*", "--json"], ["models", "--family", "cnn"], ["datasets", "*iris*"],
         ["components", "losses", "*crossentropy*"], ["tune", "--help"]]


def probe(*argv: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    result = subprocess.run([sys.executable, "-c", PROBE, EXE, *argv], capture_output=True,
                            text=True, timeout=120, check=False)
    line = next(x for x in reversed(result.stderr.splitlines()) if x.startswith("HEAVY "))
    return result, json.loads(line[len("HEAVY "):])


def in_process(capsys, *argv: str) -> str:
    """What the command prints in this process, where the registries are imported."""
    capsys.readouterr()
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # --help, --version
        code = exc.code
    assert code in (0, 2)
    return capsys.readouterr().out


@pytest.mark.parametrize("argv", LIGHT, ids=lambda a: " ".join(a) or "usage")
def test_light_commands_print_what_the_registries_do_without_keras(capsys, monkeypatch, argv):
    monkeypatch.setenv("COLUMNS", "100")  # the same help layout here and in the subprocess
    result, heavy = probe(*argv)
    assert result.returncode == (2 if not argv else 0), result.stderr
    assert heavy == [], f"keras-zoo {' '.join(argv)} imported {heavy[:5]}"
    assert result.stdout == in_process(capsys, *argv)


def test_the_listings_name_every_registered_model_dataset_and_component():
    result, _ = probe("models", "--json")
    listed = json.loads(result.stdout)
    assert [m["name"] for m in listed] == kz.zoo.list_models()
    assert [m["family"] for m in listed] == [kz.zoo.model_info(n).family
                                             for n in kz.zoo.list_models()]
    datasets_out, _ = probe("datasets")
    names = [line.split()[0] for line in datasets_out.stdout.splitlines()[2:]]
    assert names == list(kz.datasets.list_datasets())
    components_out, _ = probe("components")
    for kind in cli_listing.KINDS:
        live = getattr(catalog, f"list_{kind}")()
        section = components_out.stdout.split(f"# {kind}\n", 1)[1].split("\n\n", 1)[0]
        assert [line.split()[0] for line in section.splitlines()[2:]] == list(live)


def test_the_catalog_is_the_live_registry():
    """Fails when a model, dataset or component changed: run `python -m keras_zoo.cli.listing`."""
    assert cli_listing.stored_catalog() == cli_listing.live_catalog()


def test_the_rendered_catalog_reads_back_as_it_was():
    snapshot = cli_listing.live_catalog()
    text = cli_listing.render_catalog(snapshot)
    tree = ast.parse(text)
    values = {node.target.id: ast.literal_eval(node.value) for node in tree.body
              if isinstance(node, ast.AnnAssign)}
    assert values == snapshot
    assert max(len(line) for line in text.splitlines()) <= 100


def test_descriptions_print_without_restructuredtext_markup():
    result, _ = probe("models")
    assert "keras.Sequential" in result.stdout and "``" not in result.stdout
    for argv in (["datasets"], ["components"], ["models", "--json"]):
        out, _ = probe(*argv)
        assert "``" not in out.stdout and ":class:" not in out.stdout and ":func:" not in out.stdout


@pytest.mark.parametrize("text,expected", [
    ("a compiled ``keras.Sequential``", "a compiled keras.Sequential"),
    ("a compiled :class:`Seq2Seq`", "a compiled Seq2Seq"),
    ("see :func:`~keras_zoo.zoo.rnn` and :mod:`keras_zoo.zoo`", "see rnn and keras_zoo.zoo"),
    (":class:`the model <keras_zoo.zoo.Seq2Seq>`", "the model"),
    ("slope `negative_slope`, 1 * x", "slope `negative_slope`, 1 * x"),  # plain-text quoting
])
def test_plain(text, expected):
    assert cli_listing.plain(text) == expected


def test_version_is_the_package_version():
    result, _ = probe("--version")
    assert result.stdout.strip() == kz.__version__ == importlib.metadata.version("keras-zoo")


def test_import_keras_zoo_is_the_same_whatever_the_command_line():
    """`import keras_zoo` does not read `sys.argv`: under a listing's command line it still
    imports Keras and exports its names (the listings' speed comes from the entry module)."""
    code = ("import sys; sys.argv = ['/venv/bin/keras-zoo', 'models']\n"
            "import keras_zoo\n"
            "assert keras_zoo.InputError.__module__ == 'keras_zoo.base.errors'\n"
            "assert callable(keras_zoo.search) and callable(keras_zoo.load)\n"
            "print('keras' in sys.modules, 'keras_zoo.zoo.layers' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


@pytest.mark.parametrize("family", ["CNN", "RNN", "SeqTwoSeq", "seq-2-seq", "rn", "zzz"])
def test_the_snapshot_names_an_unknown_family_as_the_registry_does(capsys, family):
    result, heavy = probe("models", "--family", family)
    assert heavy == [] and result.returncode == 2 and result.stdout == ""
    capsys.readouterr()
    assert cli.main(["models", "--family", family]) == 2  # the registry answers
    assert result.stderr.split("HEAVY ")[0] == capsys.readouterr().err


def test_other_commands_import_keras_first_as_before():
    """`train` (and every other command) imports Keras with the package, as it always did."""
    result, heavy = probe("train", "anm", "--dataset", "iris")
    assert result.returncode == 2 and "Did you mean" in result.stderr
    assert "tensorflow" in heavy and "keras" in heavy


RELOAD = """\
import sys
import keras
import numpy as np
try:
    keras.saving.load_model(sys.argv[1])  # safe mode, before keras_zoo is imported
except Exception as err:
    print("REFUSED", type(err).__name__)
import keras_zoo  # noqa: F401 - the import under test
model = keras.saving.load_model(sys.argv[1])
np.save(sys.argv[1] + ".npy", model.predict(np.ones((2, 8, 8, 1), "float32"), verbose=0))
print("LOADED", type(model.layers[1]).__name__, type(model.loss).__name__)
"""


def test_import_keras_zoo_still_registers_its_layers_and_losses(tmp_path):
    """A .keras file with a keras_zoo layer and loss is refused in a fresh process until
    `import keras_zoo`; after it, the file reloads in safe mode and predicts the same."""
    from keras_zoo.zoo.layers import MinPooling2D, PseudoHuber

    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Dense(1)(keras.layers.Flatten()(MinPooling2D(2)(inputs)))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=PseudoHuber())
    path = str(tmp_path / "m.keras")
    model.save(path)
    result = subprocess.run([sys.executable, "-c", RELOAD, path], capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("REFUSED ") and lines[1:] == ["LOADED MinPooling2D PseudoHuber"]
    expected = model.predict(np.ones((2, 8, 8, 1), "float32"), verbose=0)
    np.testing.assert_allclose(np.load(path + ".npy"), expected, rtol=1e-6)


# === Issue 23: a closed pipe, an unknown family ===

@pytest.mark.parametrize("argv", [["components"], ["models", "--json"]], ids=" ".join)
def test_a_closed_pipe_ends_the_command_quietly_with_141(argv):
    """The reader is gone before the command writes (as `| head -0` would be): the command's
    first write fails, and it exits 128 + SIGPIPE with nothing on stderr (no traceback, no
    "Exception ignored")."""
    for stderr in (subprocess.PIPE, subprocess.STDOUT):  # `2>&1 | head` closes both
        proc = subprocess.Popen([EXE, *argv], stdout=subprocess.PIPE, stderr=stderr)
        proc.stdout.close()
        err = proc.stderr.read() if proc.stderr else b""
        assert proc.wait(timeout=120) == 141, err
        assert err == b""


@pytest.mark.parametrize("argv", [["components"], ["models", "--json"]], ids=" ".join)
def test_a_reader_that_stops_after_three_lines(argv):
    """`keras-zoo components | head -3`: whether the command had written everything before the
    reader left (0) or not (141) is a race; either way no traceback."""
    proc = subprocess.Popen([EXE, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = [proc.stdout.readline() for _ in range(3)]
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) in (0, 141), err
    assert err == b"" and all(lines)


def test_an_unknown_family_is_bad_input_and_an_empty_match_is_not(capsys):
    families = ", ".join(sorted({kz.zoo.model_info(n).family for n in kz.zoo.list_models()}))
    message = (f"error: Unknown model family 'cnnn'. Did you mean 'cnn'? `--family` must be one "
               f"of: {families}. Received: --family='cnnn'\n")
    result, heavy = probe("models", "--family", "cnnn")  # the snapshot answers, no Keras
    assert heavy == [] and result.returncode == 2
    assert result.stderr.split("HEAVY ")[0] == message and result.stdout == ""
    capsys.readouterr()
    assert cli.main(["models", "--family", "cnnn"]) == 2  # the registry answers
    assert capsys.readouterr().err == message
    result, heavy = probe("models", "zz*")
    assert heavy == [] and result.returncode == 0 and result.stdout == "no models match\n"
    result, _ = probe("models", "*", "--family", "seq2seq")
    assert result.returncode == 0 and "seq2seq" in result.stdout
