"""Packaging as a new user meets it: the wheel installs into a fresh venv and works from
another directory, ships py.typed and LICENSE, declares the MIT licence as an SPDX expression;
a feature whose optional extra is missing names the extra to install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pytest
import tomllib

import autograd_core
import nn

ROOT = Path(__file__).resolve().parent.parent


def test_pyproject_declares_license_extras_and_typed_packages():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = meta["project"]
    assert project["license"] == "MIT"  # the SPDX string; the table form is deprecated
    assert project["license-files"] == ["LICENSE"]
    extras = project["optional-dependencies"]
    assert any(r.startswith("scikit-learn") for r in extras["data"])
    assert any(r.startswith("tqdm") for r in extras["data"])
    assert any(r.startswith("hypothesis") for r in extras["testing"])
    assert "dev" in extras
    package_data = meta["tool"]["setuptools"]["package-data"]
    assert package_data == {"autograd_core": ["py.typed"], "nn": ["py.typed"]}
    assert (ROOT / "autograd_core" / "py.typed").is_file()
    assert (ROOT / "nn" / "py.typed").is_file()
    license_text = (ROOT / "LICENSE").read_text()
    assert license_text.startswith("MIT License")
    assert "Copyright (c) 2026 the autograd-core authors" in license_text


def test_load_digits_without_scikit_learn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn...` fail
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'autograd-core\[data\]'"):
        nn.datasets.load_digits()


@pytest.mark.parametrize("name", ["expressions", "scalars"])
def test_strategies_without_hypothesis_name_the_extra(monkeypatch, name):
    from autograd_core import testing

    monkeypatch.setitem(sys.modules, "hypothesis", None)
    with pytest.raises(ImportError, match=rf"{name}\(\) needs hypothesis: .*\[testing\]"):
        getattr(testing, name)()


def _numpy_only_dir(tmp_path: Path) -> Path:
    """A directory exposing the shared venv's numpy (and its bundled libraries) and nothing
    else, for a fresh venv that must not see this checkout or its editable install."""
    shared = Path(np.__file__).resolve().parent.parent
    only = tmp_path / "numpy-only"
    only.mkdir()
    for entry in shared.iterdir():
        if entry.name == "numpy" or entry.name.startswith(("numpy-", "numpy.libs")):
            (only / entry.name).symlink_to(entry)
    return only


@pytest.mark.slow
def test_wheel_round_trip_in_a_fresh_venv(tmp_path):
    """pip wheel . -> a fresh venv -> import from another directory; py.typed, LICENSE and the
    licence metadata are in the wheel. Offline: no build isolation, numpy by a .pth link."""
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip"]
    # this checkout must not leak in: no PYTHONPATH (pip would see it as installed, too)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    # build from a copy: setuptools writes build/ and *.egg-info next to the sources
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for package in ("autograd_core", "nn"):
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    subprocess.run(
        [*pip, "wheel", str(source), "--no-deps", "--no-build-isolation", "-q", "-w", dist],
        check=True,
        capture_output=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    (wheel,) = dist.glob("autograd_core-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "autograd_core/py.typed" in names and "nn/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: MIT" in text
    for extra in ("data", "testing", "dev"):
        assert f"Provides-Extra: {extra}" in text

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=60)
    python = venv / "bin" / "python"
    subprocess.run(
        [*pip, "--python", python, "install", "-q", "--no-index", "--no-deps", wheel],
        check=True,
        capture_output=True,
        timeout=120,
        env=env,
    )
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.strip()
    (Path(purelib) / "shared_numpy.pth").write_text(f"{_numpy_only_dir(tmp_path)}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import autograd_core, nn, numpy as np, pathlib;"
        "from autograd_core import Tensor;"
        "x = Tensor(np.arange(3.0), requires_grad=True); (x * x).sum().backward();"
        "assert x.grad.tolist() == [0.0, 2.0, 4.0];"
        "m = nn.MLP(2, [4], 1, seed=0); m(np.ones((3, 2)));"
        "print(autograd_core.__version__, pathlib.Path(autograd_core.__file__).parent,"
        " pathlib.Path(nn.__file__).parent)"
    )
    out = subprocess.run(
        [python, "-c", script], cwd=elsewhere, capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    version, core_dir, nn_dir = out.stdout.split()
    assert version == autograd_core.__version__
    for package in (core_dir, nn_dir):
        assert Path(package).is_relative_to(venv), package  # the wheel, not this checkout
        assert (Path(package) / "py.typed").is_file()
    assert sysconfig.get_paths()["purelib"] != purelib
