"""Execute every notebook in notebooks/ (the numbers they reproduce are asserted inside them)
and check that its stored outputs are those of a fresh run of the current code.

The kernel runs the interpreter running the tests (see ``notebooks/build.py: kernel_env``),
so a fresh ``.venv`` from ``make test`` is all that is needed; Graphviz is optional (the
drawings fall back to DOT text). A failing cell fails the test of its notebook. Executing a
notebook takes seconds: those tests are marked slow (`make test-fast` skips them). The
comparison itself (``build.compare_outputs``) is tested here on edited copies, without
executing anything.
"""

from __future__ import annotations

import copy
import importlib.util
import json
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
    # the stored outputs are those of the current code: the same numbers, except the
    # wall-clock times of the cells tagged `timing`
    stored = nbformat.read(path, as_version=4)
    same_kernels = build.reference_platform() and stored.metadata.get("kernels") == build.kernels()
    problems = build.compare_outputs(stored, nb, same_kernels=same_kernels)
    assert not problems, (
        f"{path.name}: stored outputs differ from a fresh run (rebuild with notebooks/build.py"
        f" {path.stem[:2]}):\n" + "\n".join(problems)
    )


def test_notebook_sources_match_stored_notebooks():
    """Each notebooks/src/*.py has its .ipynb, with the same cell sources."""
    build = _build_module()
    sources = sorted((NOTEBOOKS / "src").glob("*.py"))
    assert sources, "no notebook sources"
    for src in sources:
        stored = NOTEBOOKS / f"{src.stem}.ipynb"
        assert stored.exists(), f"{stored.name} missing: run notebooks/build.py"
        want = [(c.source, c.metadata.get("tags", []))
                for c in build.parse_percent(src.read_text()).cells]
        have = [(c.source, c.metadata.get("tags", []))
                for c in nbformat.read(stored, as_version=4).cells]
        assert have == want, f"{stored.name} is stale: run notebooks/build.py {src.stem[:2]}"


# --- the comparison of stored and fresh outputs (no kernel: edited copies) ---


def _stdout(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def _result(text):
    return nbformat.v4.new_output("execute_result", data={"text/plain": text},
                                  execution_count=1)


def _notebook(*cells):
    """A notebook of code cells, each given as (outputs, tags)."""
    nb = nbformat.v4.new_notebook()
    for outputs, tags in cells:
        cell = nbformat.v4.new_code_cell("pass", outputs=outputs)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nb


def _edited(nb, cell, output, old, new):
    """A copy of nb with `old` replaced by `new` in the text of one output."""
    nb = copy.deepcopy(nb)
    out = nb.cells[cell].outputs[output]
    if out["output_type"] == "stream":
        assert old in out["text"]
        out["text"] = out["text"].replace(old, new, 1)
    else:
        assert old in out["data"]["text/plain"]
        out["data"]["text/plain"] = out["data"]["text/plain"].replace(old, new, 1)
    return nb


SAMPLE = _notebook(
    ([_stdout("loss 0.0215   Emily: 0.9676797664009115\n"), _stdout("accuracy 81.62%\n"),
      _result("array([ 1.  , -2.5 ])")], []),
    ([_stdout("n =   10: forward 1.74 ms; reverse 0.06 ms; ratio    29x\n")], ["timing"]),
)


def test_identical_outputs_compare_equal():
    build = _build_module()
    assert build.compare_outputs(SAMPLE, copy.deepcopy(SAMPLE)) == []


@pytest.mark.parametrize("cell, output, old, new", [
    (0, 0, "0.0215", "0.0214"),  # a rounded number, off by one in its last digit
    (0, 0, "0.9676797664009115", "0.9676807664009115"),  # a repr, off by 1e-6 relative
    (0, 1, "81.62%", "-81.62%"),  # the sign
    (0, 2, "1.  ,", "1e-3,"),  # inside a displayed result
])
def test_a_changed_number_is_reported(cell, output, old, new):
    build = _build_module()
    problems = build.compare_outputs(SAMPLE, _edited(SAMPLE, cell, output, old, new))
    assert len(problems) == 1 and "relative tolerance" in problems[0], problems
    assert problems[0].startswith(f"cell {cell} ")


def test_numbers_within_the_tolerance_are_equal():
    build = _build_module()
    fresh = _edited(SAMPLE, 0, 0, "0.9676797664009115", "0.9676797664009119")  # last bits
    assert build.compare_outputs(SAMPLE, fresh) == []


def test_a_missing_or_extra_number_or_changed_text_is_reported():
    build = _build_module()
    for old, new, says in [
        ("accuracy 81.62%", "accuracy %", "3 numbers stored, 2"),
        ("Emily: 0.9676797664009115", "Emily: 0.96 0.97", "3 numbers stored, 4"),
        ("Emily", "Frank", "the text differs"),
    ]:
        output = 1 if "%" in old else 0
        problems = build.compare_outputs(SAMPLE, _edited(SAMPLE, 0, output, old, new))
        assert len(problems) == 1 and says in problems[0], (old, problems)


def test_stdout_split_differently_compares_equal():
    """How a cell's stdout is cut into stream outputs depends on timing, not on the code."""
    build = _build_module()
    fresh = copy.deepcopy(SAMPLE)
    first, second, result = fresh.cells[0].outputs
    fresh.cells[0].outputs = [_stdout(first["text"] + second["text"]), result]
    assert build.compare_outputs(SAMPLE, fresh) == []


def test_timing_cells_may_change_their_numbers_but_not_their_text():
    build = _build_module()
    faster = _edited(SAMPLE, 1, 0, "1.74 ms", "12.50 ms")
    assert build.compare_outputs(SAMPLE, faster) == []
    for old, new in [("1.74 ms", "ms"), ("reverse", "backward")]:
        problems = build.compare_outputs(SAMPLE, _edited(SAMPLE, 1, 0, old, new))
        assert len(problems) == 1 and problems[0].startswith("cell 1 stdout"), problems
    untagged = copy.deepcopy(SAMPLE)
    untagged.cells[1].metadata["tags"] = []
    problems = build.compare_outputs(untagged, _edited(untagged, 1, 0, "1.74 ms", "12.50 ms"))
    assert len(problems) == 1 and "number 2 is 1.74 stored, 12.50" in problems[0]


def test_platform_cells_are_exact_with_the_reference_kernels_and_free_elsewhere():
    """A `platform` cell's numbers depend on the last bit of the BLAS and SIMD kernels: they
    must come out again where the notebooks run with the reference kernels, and only their
    text and count are checked elsewhere."""
    build = _build_module()
    stored = copy.deepcopy(SAMPLE)
    stored.cells[0].metadata["tags"] = ["platform"]
    fresh = _edited(stored, 0, 1, "81.62%", "73.61%")
    problems = build.compare_outputs(stored, fresh)
    assert len(problems) == 1 and "number 3 is 81.62 stored, 73.61" in problems[0]
    assert build.compare_outputs(stored, fresh, same_kernels=False) == []
    reworded = _edited(stored, 0, 1, "accuracy", "error")
    assert len(build.compare_outputs(stored, reworded, same_kernels=False)) == 1
    untagged = _edited(SAMPLE, 0, 1, "81.62%", "73.61%")
    assert len(build.compare_outputs(SAMPLE, untagged, same_kernels=False)) == 1


def test_the_reference_kernels_are_pinned_in_the_notebook_kernel(tmp_path):
    build = _build_module()
    build.kernel_env(tmp_path)
    spec = json.loads((tmp_path / "kernels" / build.KERNEL_NAME / "kernel.json").read_text())
    assert spec["env"]["OPENBLAS_NUM_THREADS"] == "1"
    for name, value in build.REFERENCE_KERNELS.items():
        assert (spec["env"].get(name) == value) == build.reference_platform()


def test_a_missing_or_extra_output_is_reported():
    build = _build_module()
    fresh = copy.deepcopy(SAMPLE)
    del fresh.cells[0].outputs[2]
    assert "different outputs" in build.compare_outputs(SAMPLE, fresh)[0]


@pytest.mark.parametrize(
    "path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem
)
def test_one_edited_number_in_a_stored_notebook_is_found(path):
    """On the real stored notebooks: a copy compares equal; the same copy with the last
    number of its last untagged text output moved by 1e-4 (relative) does not."""
    build = _build_module()
    stored = nbformat.read(path, as_version=4)
    assert build.compare_outputs(stored, copy.deepcopy(stored)) == []
    where, text, _ = [o for o in build.text_outputs(stored) if not o[2]
                      and build.NUMBER.search(o[1])][-1]
    last = list(build.NUMBER.finditer(text))[-1]
    value = float(last[0])
    edited_value = repr(value * (1 + 1e-4)) if value else "1.0"
    edited = copy.deepcopy(stored)
    cell = edited.cells[int(where.split()[1])]
    if where.endswith("stdout"):
        stream = [o for o in cell.outputs if o["output_type"] == "stream"
                  and o["name"] == "stdout" and last[0] in o["text"]][-1]
        i = stream["text"].rindex(last[0])
        stream["text"] = stream["text"][:i] + edited_value + stream["text"][i + len(last[0]):]
    else:
        k = int(where.split()[-1])
        rich = [o for o in cell.outputs if o["output_type"] in ("execute_result",
                                                                 "display_data")][k]
        plain = rich["data"]["text/plain"]
        rich["data"]["text/plain"] = plain[:last.start()] + edited_value + plain[last.end():]
    problems = build.compare_outputs(stored, edited)
    assert len(problems) == 1 and problems[0].startswith(where), problems


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
