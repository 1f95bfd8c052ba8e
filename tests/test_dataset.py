"""The course dataset: layout, provenance, checksum verification, reproducible build."""
import hashlib
import shutil

import h5py
import numpy as np
import pytest

from course_utils.data import DATASETS_DIR, DatasetError, load_digits_dataset, verified_path


def test_layout_follows_signs():
    train_x, train_y, test_x, test_y, classes = load_digits_dataset()
    assert train_x.dtype == np.uint8 and train_x.shape[1:] == (8, 8)
    assert test_x.dtype == np.uint8 and test_x.shape[1:] == (8, 8)
    assert train_y.dtype.kind == "i" and train_y.shape == (train_x.shape[0],)
    assert test_y.shape == (test_x.shape[0],)
    assert classes.tolist() == [0, 1, 2, 3, 4, 5]
    assert 1000 <= train_x.shape[0] + test_x.shape[0] <= 1200
    assert set(np.unique(train_y)) == set(np.unique(test_y)) == set(range(6))
    assert train_x.max() == 255 and train_x.min() == 0


def test_records_its_origin():
    with h5py.File(DATASETS_DIR / "digits.h5") as f:
        assert "load_digits" in f.attrs["source"]
        assert f.attrs["build_script"] == "datasets/build_digits.py"


def test_damaged_file_is_refused(tmp_path):
    shutil.copy(DATASETS_DIR / "SHA256SUMS", tmp_path)
    damaged = bytearray((DATASETS_DIR / "digits.h5").read_bytes())
    damaged[-100] ^= 0xFF
    (tmp_path / "digits.h5").write_bytes(bytes(damaged))
    with pytest.raises(DatasetError, match="damaged or was changed"):
        load_digits_dataset(tmp_path)


def test_missing_file_is_named(tmp_path):
    shutil.copy(DATASETS_DIR / "SHA256SUMS", tmp_path)
    with pytest.raises(DatasetError, match="missing"):
        verified_path("digits.h5", tmp_path)


def test_build_script_reproduces_the_committed_file(tmp_path):
    pytest.importorskip("sklearn")
    import importlib.util
    spec = importlib.util.spec_from_file_location("build_digits", DATASETS_DIR / "build_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path / "digits.h5")
    rebuilt = hashlib.sha256((tmp_path / "digits.h5").read_bytes()).hexdigest()
    assert (DATASETS_DIR / "SHA256SUMS").read_text().split()[0] == rebuilt
