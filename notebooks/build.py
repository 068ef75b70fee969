"""Build the notebooks from their sources in ``notebooks/src`` and execute them.

Each notebook is written as a plain Python file in the "percent" format (``# %%`` starts a
code cell, ``# %% [markdown]`` a markdown cell whose lines start with ``# ``), so it can be
reviewed and diffed like code. This script turns each into ``notebooks/<name>.ipynb``,
executes it with nbclient in a kernel running *this* Python interpreter, and stores it with
its outputs:

    .venv/bin/python notebooks/build.py            # all notebooks
    .venv/bin/python notebooks/build.py 02          # the ones whose name contains "02"

``execute`` is also what ``tests/test_notebooks.py`` uses to run the stored notebooks.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
KERNEL_NAME = "python3"


def parse_percent(text: str) -> nbformat.NotebookNode:
    """A notebook from percent-format source text."""
    cells: list[nbformat.NotebookNode] = []
    kind: str | None = None
    lines: list[str] = []

    def flush() -> None:
        if kind is None:
            return
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            md = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body.splitlines()]
            cells.append(nbformat.v4.new_markdown_cell("\n".join(md)))
        elif body:
            cells.append(nbformat.v4.new_code_cell(body))

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            kind = "markdown" if "[markdown]" in line else "code"
            lines = []
        elif kind is not None:
            lines.append(line)
    flush()
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def kernel_env(tmpdir: str | Path) -> dict[str, str]:
    """Environment variables that make kernel ``python3`` run ``sys.executable``.

    A kernelspec written to ``tmpdir`` comes first on ``JUPYTER_PATH``, so a ``python3``
    kernel installed for some other Python in the user's Jupyter directories is never picked
    up: the notebooks run in the interpreter (and virtualenv) that runs the build or the tests.
    """
    spec_dir = Path(tmpdir) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (autograd-core)",
        "language": "python",
        "env": {"MPLBACKEND": "module://matplotlib_inline.backend_inline"},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    return {"JUPYTER_PATH": str(tmpdir)}


def execute(nb: nbformat.NotebookNode, timeout: int = 300) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` in place (cwd = ``notebooks/``) and return it.

    Raises ``nbclient.exceptions.CellExecutionError`` naming the failing cell on any error.
    """
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as tmp:
        saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH",)}
        os.environ.update(kernel_env(tmp))
        try:
            client = NotebookClient(
                nb,
                timeout=timeout,
                kernel_name=KERNEL_NAME,
                resources={"metadata": {"path": str(HERE)}},
            )
            client.execute()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return nb


def build(name_filter: str = "") -> None:
    for src in sorted(SRC.glob("*.py")):
        if name_filter not in src.stem:
            continue
        nb = parse_percent(src.read_text())
        start = time.perf_counter()
        execute(nb)
        seconds = time.perf_counter() - start
        out = HERE / f"{src.stem}.ipynb"
        nbformat.validate(nb)
        out.write_text(nbformat.writes(nb) + "\n")
        print(f"{out.name}: executed in {seconds:.1f} s")


if __name__ == "__main__":
    build(sys.argv[1] if len(sys.argv) > 1 else "")
