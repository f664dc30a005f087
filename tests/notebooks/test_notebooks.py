"""Every notebook in notebooks/ runs top to bottom (small sizes: KERAS_ZOO_SMALL=1), and is
committed executed at full size (``make notebooks``), with outputs that match its code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))
_spec = importlib.util.spec_from_file_location(
    "execute_notebooks", Path(__file__).parents[2] / "notebooks" / "execute.py")
execute = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execute)


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.large
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_ZOO_SMALL", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_is_executed_and_its_outputs_are_current(path):
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    recorded = nb.metadata.get("keras_zoo", {})
    assert recorded.get("code_sha256") == execute.code_digest(nb), (
        f"{path.name}: its code changed since it was executed: run `make notebooks`")
    assert recorded.get("small") is False, f"{path.name}: executed at small size"
    assert all(cell.execution_count is not None for cell in code if cell.source.strip()), (
        f"{path.name}: a code cell was not executed: run `make notebooks`")
    counts = [cell.execution_count for cell in code if cell.source.strip()]
    assert counts == sorted(counts), f"{path.name}: cells executed out of order"
    outputs = [o for cell in code for o in cell.get("outputs", [])]
    assert any(o.get("output_type") in ("display_data", "execute_result") for o in outputs), (
        f"{path.name}: no figure or table among its outputs")
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert path.stat().st_size < execute.MAX_BYTES, f"{path.name}: over 1 MB"


def test_the_digest_sees_code_and_only_code():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_markdown_cell("text")])
    digest = execute.code_digest(nb)
    nb.cells[1].source = "other text"
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="1")]
    assert execute.code_digest(nb) == digest
    nb.cells[0].source = "x = 2"
    assert execute.code_digest(nb) != digest
