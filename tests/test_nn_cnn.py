"""The CNN end to end on a small subset of Fashion-MNIST: from Python (nn.CNN + fit) and
from the command line (--model cnn); the loss must fall within one short epoch."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import nn
from nn import datasets
from nn import functional as F
from nn.cli import main
from nn.train import evaluate, fit

from helpers import write_mnist_dir

HAVE_FASHION = Path(datasets.FASHION_MNIST_DIR, "train-images-idx3-ubyte").exists() or Path(
    datasets.FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz"
).exists()
needs_fashion = pytest.mark.skipif(not HAVE_FASHION, reason="dataset-fashion-mnist not installed")


def test_load_fashion_mnist_as_images(tmp_path):
    arrays = write_mnist_dir(tmp_path / "fm", n_train=5, n_test=3)
    X_train, y_train, X_test, _ = datasets.load_fashion_mnist(path=tmp_path / "fm", flatten=False)
    assert X_train.shape == (5, 1, 28, 28) and X_test.shape == (3, 1, 28, 28)
    assert X_train.dtype == np.float32
    np.testing.assert_allclose(X_train[:, 0], arrays["train_images"] / 255, rtol=1e-6)
    flat, *_ = datasets.load_fashion_mnist(path=tmp_path / "fm")
    np.testing.assert_array_equal(flat, X_train.reshape(5, -1))


def test_cnn_architecture():
    model = nn.CNN(seed=0)
    shapes = {name: p.shape for name, p in model.named_parameters()}
    assert shapes == {
        "features.0.weight": (32, 1, 3, 3),
        "features.0.bias": (32,),
        "features.3.weight": (64, 32, 3, 3),
        "features.3.bias": (64,),
        "classifier.0.weight": (3136, 128),  # nn.Linear keeps its (in, out) layout
        "classifier.0.bias": (128,),
        "classifier.2.weight": (128, 10),
        "classifier.2.bias": (10,),
    }
    out = model(np.zeros((2, 1, 28, 28), np.float32))
    assert out.shape == (2, 10) and out.dtype == np.float32
    assert nn.CNN(3, 4, image_size=(8, 12), seed=0)(np.zeros((1, 3, 8, 12))).shape == (1, 4)


@needs_fashion
@pytest.mark.slow
def test_cnn_trains_from_python():
    X, y, _, _ = datasets.load_fashion_mnist(flatten=False)
    X, y = X[:384], y[:384]
    nn.manual_seed(0)
    model = nn.CNN(seed=0)
    before = evaluate(model, X, y, F.cross_entropy)["loss"]
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-3)
    history = fit(model, F.cross_entropy, optimizer, nn.DataLoader(X, y, 32, seed=0), 1,
                  verbose=False)
    after = evaluate(model, X, y, F.cross_entropy)
    assert after["loss"] < 0.8 * before  # about 2.3 -> 1.2 in practice
    assert after["accuracy"] > 0.4 and len(history["loss"]) == 1


@needs_fashion
@pytest.mark.slow
def test_cnn_trains_from_the_command_line(capsys):
    status = main(["--dataset", "fashion-mnist", "--model", "cnn", "--epochs", "2",
                   "--limit", "320", "--batch-size", "32", "--seed", "0"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "cnn 1x28x28-conv32-conv64-128-10" in out
    losses = [float(v) for v in re.findall(r"epoch \d/2  loss (\d+\.\d+)", out)]
    assert len(losses) == 2 and losses[1] < losses[0]
    assert "final:" in out


def test_cnn_needs_images(capsys):
    assert main(["--dataset", "moons", "--model", "cnn", "--epochs", "1"]) == 2
    assert "--model cnn needs square images" in capsys.readouterr().err


@needs_fashion
@pytest.mark.slow
def test_bench_cnn_runs_on_a_tiny_subset():
    import subprocess
    import sys

    bench = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_cnn.py"
    result = subprocess.run(
        [sys.executable, str(bench), "--images", "128", "--profile-batches", "1"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "BLAS threads: 1" in out and "s/epoch" in out
    for layer in ("Conv2d", "MaxPool2d", "Linear", "engine (graph walk, accumulation)"):
        assert layer in out
