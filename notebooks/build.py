"""Build the notebooks from their sources in ``notebooks/src`` and execute them.

Each notebook is written as a plain Python file in the "percent" format (``# %%`` starts a
code cell, ``# %% [markdown]`` a markdown cell whose lines start with ``# ``), so it can be
reviewed and diffed like code. ``# %% tags=["timing"]`` gives a code cell the tag ``timing``
(see below). This script turns each into ``notebooks/<name>.ipynb``, executes it with
nbclient in a kernel running *this* Python interpreter, and stores it with its outputs:

    .venv/bin/python notebooks/build.py            # all notebooks
    .venv/bin/python notebooks/build.py 02          # the ones whose name contains "02"

``execute`` is also what ``tests/test_notebooks.py`` uses to run the stored notebooks, and
``compare_outputs`` is how it checks that the stored outputs are those of the current code:
every number printed (stdout) or displayed (``text/plain``) must come out the same in a fresh
run, and so must the text around the numbers. Wall-clock times cannot: a cell that prints
them is tagged ``timing`` and prints *only* timings (and what is derived from them, such as
speed ratios); the numbers computed alongside are printed by an untagged cell. In a
``timing`` cell the text and the count of numbers are still compared, only their values are
free. A cell tagged ``platform`` prints numbers that depend on the last bit of the machine's
floating-point kernels (residuals at machine precision; long SGD runs, which amplify that
bit: notebook 5's sigmoid network ends at 81.62% with OpenBLAS's Haswell kernel and 73.61%
with its Sandybridge one). The notebooks are built and checked with pinned kernels on any
x86-64 machine with AVX2 (``REFERENCE_KERNELS``), where those numbers too must come out
again, as long as numpy is the version the notebook was built with (``kernels()``, kept in
its metadata); elsewhere a ``platform`` cell is compared like a ``timing`` one.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
KERNEL_NAME = "python3"
TIMING_TAG = "timing"
PLATFORM_TAG = "platform"
# The kernels the notebooks are built with, on every x86-64 machine with AVX2 and FMA: the
# numbers of a `platform` cell (residuals at machine precision, long SGD runs that amplify
# the last bit) depend on them. OpenBLAS picks its matrix kernel by CPU (and
# OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE), numpy its SIMD loops (AVX-512 ones where present);
# pinned, two such machines give the same bits.
REFERENCE_KERNELS = {
    "OPENBLAS_CORETYPE": "Haswell",
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
}
# `# %%`, optionally `[markdown]`, optionally `tags=[...]` (a JSON list of strings)
CELL_MARKER = re.compile(r"# %%(?P<markdown> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")


def parse_percent(text: str) -> nbformat.NotebookNode:
    """A notebook from percent-format source text (``# %% tags=["a", "b"]`` tags a cell)."""
    cells: list[nbformat.NotebookNode] = []
    kind: str | None = None
    tags: list[str] = []
    lines: list[str] = []

    def flush() -> None:
        if kind is None:
            return
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            md = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body.splitlines()]
            cell = nbformat.v4.new_markdown_cell("\n".join(md))
        elif body:
            cell = nbformat.v4.new_code_cell(body)
        else:
            return
        if tags:
            cell.metadata["tags"] = list(tags)
        cells.append(cell)

    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# %%"):
            flush()
            marker = CELL_MARKER.fullmatch(line)
            if marker is None:
                raise ValueError(f"line {number}: not a cell marker: {line!r}")
            kind = "markdown" if marker["markdown"] else "code"
            tags = json.loads(marker["tags"]) if marker["tags"] else []
            if not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
                raise ValueError(f"line {number}: tags must be a list of strings: {line!r}")
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


def reference_platform() -> bool:
    """True on an x86-64 machine with AVX2 and FMA, where the notebooks run with the
    reference kernels (``REFERENCE_KERNELS``) and every stored number must come out again."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "avx2" in flags and "fma" in flags


def kernels() -> str:
    """What the numbers of ``platform`` cells depend on, as stored in a built notebook's
    metadata: numpy's version (its SIMD loops and bundled OpenBLAS) and whether the reference
    kernels were pinned. A fresh run compares those cells exactly only when this matches."""
    import numpy

    pinned = "reference kernels" if reference_platform() else "machine's own kernels"
    return f"numpy {numpy.__version__}, {platform.machine()}, {pinned}"


def kernel_env(tmpdir: str | Path) -> dict[str, str]:
    """Environment variables that make kernel ``python3`` run ``sys.executable``.

    A kernelspec written to ``tmpdir`` comes first on ``JUPYTER_PATH``, so a ``python3``
    kernel installed for some other Python in the user's Jupyter directories is never picked
    up: the notebooks run in the interpreter (and virtualenv) that runs the build or the tests.
    BLAS runs on one thread: a matrix product split over a different number of threads may
    add in a different order, and a long training run turns those last bits into visibly
    different numbers; with one thread the outputs do not depend on the machine's core count.
    """
    spec_dir = Path(tmpdir) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (autograd-core)",
        "language": "python",
        "env": {
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            **(REFERENCE_KERNELS if reference_platform() else {}),
        },
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    return {"JUPYTER_PATH": str(tmpdir)}


def execute(nb: nbformat.NotebookNode, timeout: int = 300) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` in place (cwd = ``notebooks/``) and return it.

    Raises ``nbclient.exceptions.CellExecutionError`` naming the failing cell on any error.
    """
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as tmp:
        saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "OPENBLAS_L2_SIZE")}
        os.environ.pop("OPENBLAS_L2_SIZE", None)  # OpenBLAS's own default, as at build time
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


NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# Printed numbers must agree to this relative tolerance. A fresh run on the machine that
# built the notebooks gives the same bits; 1e-6 leaves room only for the last bits of a
# full-precision repr (17 digits) that a different BLAS build or thread count can change in
# long training runs. Numbers printed to fewer digits are in effect compared exactly.
RTOL = 1e-6


def text_outputs(
    nb: nbformat.NotebookNode, free_tags: tuple[str, ...] = (TIMING_TAG,)
) -> list[tuple[str, str, bool]]:
    """(where, text, values_free) for every text output of ``nb``'s code cells: per cell,
    all its stdout as one text (how a stream is split into outputs depends on timing), then
    the ``text/plain`` of each result or display in order; ``values_free`` if the cell has
    one of ``free_tags``. Images and stderr are left out."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        timing = any(tag in cell.metadata.get("tags", []) for tag in free_tags)
        outputs = cell.get("outputs", [])
        stdout = "".join(
            o["text"] for o in outputs if o["output_type"] == "stream" and o["name"] == "stdout"
        )
        if stdout:
            found.append((f"cell {index} stdout", stdout, timing))
        rich = [o for o in outputs if o["output_type"] in ("execute_result", "display_data")]
        for k, out in enumerate(rich):
            if "text/plain" in out.get("data", {}):
                found.append((f"cell {index} result {k}", out["data"]["text/plain"], timing))
    return found


def _skeleton(text: str) -> str:
    """The text with every number replaced by # and without whitespace (numpy and format
    widths pad numbers with spaces that depend on their digits)."""
    return "".join(NUMBER.sub("#", text).split())


def compare_outputs(
    stored: nbformat.NotebookNode,
    fresh: nbformat.NotebookNode,
    rtol: float = RTOL,
    same_kernels: bool = True,
) -> list[str]:
    """The differences between the text outputs of two runs of a notebook (empty if none).

    Each output must have the same text around its numbers and the same count of numbers,
    and each number must agree within ``rtol`` (relative) unless the cell is tagged
    ``timing``, whose numbers are wall-clock times and may take any value, or, when the
    fresh run did not use the reference kernels (``same_kernels=False``), ``platform``.
    """
    free = (TIMING_TAG,) if same_kernels else (TIMING_TAG, PLATFORM_TAG)
    want, have = text_outputs(stored, free), text_outputs(fresh, free)
    if [w for w, _, _ in want] != [w for w, _, _ in have]:
        return [f"different outputs: stored {[w for w, _, _ in want]},"
                f" fresh {[w for w, _, _ in have]}"]
    problems = []
    for (where, old, timing), (_, new, _) in zip(want, have):
        old_numbers, new_numbers = NUMBER.findall(old), NUMBER.findall(new)
        if len(old_numbers) != len(new_numbers):
            problems.append(f"{where}: {len(old_numbers)} numbers stored, {len(new_numbers)}"
                            f" in a fresh run:\n--- stored\n{old}\n--- fresh\n{new}")
        elif _skeleton(old) != _skeleton(new):
            problems.append(f"{where}: the text differs:\n--- stored\n{old}\n--- fresh\n{new}")
        elif not timing:
            for i, (a, b) in enumerate(zip(old_numbers, new_numbers)):
                if not math.isclose(float(a), float(b), rel_tol=rtol, abs_tol=0.0):
                    problems.append(f"{where}: number {i + 1} is {a} stored, {b} in a fresh"
                                    f" run (relative tolerance {rtol:g})")
    return problems


def build(name_filter: str = "") -> None:
    for src in sorted(SRC.glob("*.py")):
        if name_filter not in src.stem:
            continue
        nb = parse_percent(src.read_text())
        start = time.perf_counter()
        execute(nb)
        seconds = time.perf_counter() - start
        out = HERE / f"{src.stem}.ipynb"
        nb.metadata["kernels"] = kernels()
        nbformat.validate(nb)
        out.write_text(nbformat.writes(nb) + "\n")
        print(f"{out.name}: executed in {seconds:.1f} s")


if __name__ == "__main__":
    build(sys.argv[1] if len(sys.argv) > 1 else "")
