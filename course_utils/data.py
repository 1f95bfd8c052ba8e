"""Load the course datasets from ``datasets/`` with h5py, verifying their SHA-256 first."""
import hashlib
import os
from pathlib import Path

import h5py
import numpy as np

DATASETS_DIR = Path(os.environ.get("COURSE_DATASETS_DIR", Path(__file__).resolve().parent.parent / "datasets"))


class DatasetError(RuntimeError):
    """A dataset file is missing or differs from the checksum recorded in SHA256SUMS."""


def _recorded_checksums(directory):
    sums_file = directory / "SHA256SUMS"
    if not sums_file.exists():
        raise DatasetError(f"{sums_file} is missing: the course datasets cannot be verified.")
    sums = {}
    for line in sums_file.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.lstrip("*")] = digest
    return sums


def verified_path(name, directory=None):
    """Return the path of dataset file ``name`` after checking its SHA-256 against SHA256SUMS."""
    directory = Path(directory) if directory else DATASETS_DIR
    path = directory / name
    if not path.exists():
        raise DatasetError(f"Dataset {path} is missing. Rebuild it with: python datasets/build_digits.py")
    expected = _recorded_checksums(directory).get(name)
    if expected is None:
        raise DatasetError(f"{name} has no entry in {directory / 'SHA256SUMS'}.")
    found = hashlib.sha256(path.read_bytes()).hexdigest()
    if found != expected:
        raise DatasetError(f"{path} is damaged or was changed: SHA-256 {found[:12]}…, expected {expected[:12]}….")
    return path


def load_digits_dataset(directory=None):
    """Load the course image dataset (handwritten digits 0-5, in the layout of SIGNS).

    Returns:
        train_x: uint8 (m_train, 8, 8), grey levels 0..255
        train_y: int64 (m_train,), class indices 0..5
        test_x:  uint8 (m_test, 8, 8)
        test_y:  int64 (m_test,)
        classes: int64 (6,)
    """
    with h5py.File(verified_path("digits.h5", directory), "r") as f:
        return tuple(np.asarray(f[key]) for key in
                     ("train_set_x", "train_set_y", "test_set_x", "test_set_y", "list_classes"))


def flatten_and_scale(images):
    """Turn uint8 images (m, h, w) into float64 columns (h*w, m) scaled to [0, 1]."""
    images = np.asarray(images)
    return images.reshape(images.shape[0], -1).T.astype(np.float64) / 255.0


def one_hot(labels, n_classes):
    """Turn integer labels (m,) into a one-hot matrix (n_classes, m)."""
    labels = np.asarray(labels)
    return (np.arange(n_classes)[:, None] == labels[None, :]).astype(np.float64)
