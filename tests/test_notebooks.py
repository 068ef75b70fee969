"""Execute every notebook in notebooks/ (the numbers they reproduce are asserted inside them).

The kernel runs the interpreter running the tests (see ``notebooks/build.py: kernel_env``),
so a fresh ``.venv`` from ``make test`` is all that is needed; Graphviz is optional (the
drawings fall back to DOT text). A failing cell fails the test of its notebook. Executing a
notebook takes seconds: those tests are marked slow (`make test-fast` skips them).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _build_module():
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize(
    "path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem
)
def test_notebook_executes(path):
    build = _build_module()
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:  # run from scratch, not from the stored outputs
        if cell.cell_type == "code":
            cell.outputs = []
    build.execute(nb)
    # warnings printed by the notebook's own code count as failures, as in the test suite
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                assert "Warning" not in out["text"], f"cell {i} warned:\n{out['text']}"


def test_notebook_sources_match_stored_notebooks():
    """Each notebooks/src/*.py has its .ipynb, with the same cell sources."""
    build = _build_module()
    sources = sorted((NOTEBOOKS / "src").glob("*.py"))
    assert sources, "no notebook sources"
    for src in sources:
        stored = NOTEBOOKS / f"{src.stem}.ipynb"
        assert stored.exists(), f"{stored.name} missing: run notebooks/build.py"
        want = [c.source for c in build.parse_percent(src.read_text()).cells]
        have = [c.source for c in nbformat.read(stored, as_version=4).cells]
        assert have == want, f"{stored.name} is stale: run notebooks/build.py {src.stem[:2]}"


@pytest.mark.slow
def test_graph_drawings_fall_back_to_dot_text_without_graphviz(tmp_path, monkeypatch):
    """Notebook 1 (the one with the most drawings) on a machine without the `dot` program:
    the drawings show as DOT text and nothing fails."""
    build = _build_module()
    monkeypatch.setenv("PATH", str(tmp_path))  # the kernel finds no `dot` on an empty PATH
    nb = build.parse_percent((NOTEBOOKS / "src" / "01_computational_graphs.py").read_text())
    build.execute(nb)
    results = [
        out["data"]
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.get("output_type") == "execute_result"
    ]
    drawings = [d for d in results if "digraph G" in d.get("text/plain", "")]
    assert drawings, "no graph drawing in notebook 1"
    for d in drawings:
        assert "image/svg+xml" not in d
        assert "apt-get install graphviz" in d["text/plain"]
