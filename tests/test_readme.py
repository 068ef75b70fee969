"""The README's Python examples run and say what the README says they say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def _block(marker: str) -> str:
    """The README's one python block containing ``marker``."""
    (block,) = [b for b in BLOCKS if marker in b]
    return block


def test_readme_has_the_tour_the_gradient_check_transforms_and_the_nn_example() -> None:
    assert len(BLOCKS) == 4


def test_tour_prints_the_two_path_gradients(capsys) -> None:
    exec(compile(BLOCKS[0], "README tour", "exec"), {})
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "2.0 5.0"
    assert "b += 3  -> 5" in out  # the trace table shows the second path's +=


def test_gradient_check_example_passes() -> None:
    exec(compile(BLOCKS[1], "README check_grad", "exec"), {})


@pytest.mark.slow  # an epoch of Fashion-MNIST
def test_nn_example_trains_and_saves(tmp_path, monkeypatch) -> None:
    from nn.datasets import load_fashion_mnist

    try:
        load_fashion_mnist()
    except FileNotFoundError as exc:  # the message names the Debian package to install
        pytest.fail(f"Fashion-MNIST is needed by the README example: {exc}")
    monkeypatch.chdir(tmp_path)
    # one epoch shows it runs end to end
    code = _block("epochs=10").replace("epochs=10", "epochs=1")
    scope: dict = {}
    exec(compile(code, "README nn", "exec"), scope)
    assert scope["history"]["val_accuracy"][-1] > 0.75
    assert (tmp_path / "fashion.npz").exists()


def test_transforms_example_runs_newton_to_the_minimum(capsys) -> None:
    exec(compile(_block("AF.hessian"), "README transforms", "exec"), {})
    # |grad f| < 1e-12 at Newton's last iterate; tanh's third derivative at 0 is -2
    assert capsys.readouterr().out == "True -2.0\n"
