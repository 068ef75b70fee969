"""Execute every notebook in notebooks/ (the numbers they reproduce are asserted inside them).

The kernel runs the interpreter running the tests (see ``notebooks/build.py: kernel_env``),
so a fresh ``.venv`` from ``make test`` is all that is needed; Graphviz is optional (the
drawings fall back to DOT text). A failing cell fails the test of its notebook.
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
