"""Build the course image dataset, ``datasets/digits.h5``, from scikit-learn's bundled digits.

The file follows the layout of the original course's SIGNS dataset:

    train_set_x   uint8  (m_train, 8, 8)  grey levels 0..255
    train_set_y   int64  (m_train,)       class index 0..5
    test_set_x    uint8  (m_test, 8, 8)
    test_set_y    int64  (m_test,)
    list_classes  int64  (6,)             the class indices 0..5

Only the digits 0 to 5 are kept (1,083 images, close to the 1,080 training images of SIGNS).
The split is stratified and seeded, and no HDF5 object carries a timestamp (track_times=False,
and the default object-header format, which stores none for groups), so running this
script again writes a byte-identical file. Its SHA-256 is recorded in ``SHA256SUMS``, which
``course_utils.data`` verifies on every load.

Usage: python datasets/build_digits.py [OUT_PATH]      (needs the [dev] extra: scikit-learn)
"""
import sys
from pathlib import Path

import h5py
import numpy as np

CLASSES = np.arange(6)
TEST_PER_CLASS = 30          # 180 test images, the rest (903) for training
SPLIT_SEED = 2017


def digits_0_to_5():
    """Return (images uint8 (m, 8, 8), labels int64 (m,)) for the digits 0..5."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    keep = np.isin(digits.target, CLASSES)
    # sklearn stores grey levels 0..16; stretch them to the 0..255 range of an 8-bit image.
    images = np.rint(digits.images[keep] * (255 / 16)).astype(np.uint8)
    return images, digits.target[keep].astype(np.int64)


def stratified_split(labels, rng):
    """Return (train_idx, test_idx): TEST_PER_CLASS random test examples from each class."""
    test_idx = np.concatenate([
        rng.choice(np.flatnonzero(labels == c), TEST_PER_CLASS, replace=False) for c in CLASSES
    ])
    train_idx = np.setdiff1d(np.arange(labels.size), test_idx)
    return rng.permutation(train_idx), rng.permutation(test_idx)


def build(out_path):
    import sklearn

    images, labels = digits_0_to_5()
    train_idx, test_idx = stratified_split(labels, np.random.default_rng(SPLIT_SEED))
    with h5py.File(out_path, "w") as f:
        f.attrs["title"] = "Handwritten digits 0-5 in the layout of the course's SIGNS dataset"
        f.attrs["source"] = "sklearn.datasets.load_digits (UCI Optical Recognition of Handwritten Digits)"
        f.attrs["source_version"] = f"scikit-learn {sklearn.__version__}"
        f.attrs["license"] = "CC BY 4.0 (UCI Machine Learning Repository)"
        f.attrs["build_script"] = "datasets/build_digits.py"
        f.attrs["pixel_scale"] = "round(v * 255 / 16) of the original 0..16 grey levels"
        f.attrs["split"] = f"{TEST_PER_CLASS} test images per class, numpy default_rng({SPLIT_SEED})"
        for split, idx in (("train", train_idx), ("test", test_idx)):
            f.create_dataset(f"{split}_set_x", data=images[idx], track_times=False)
            f.create_dataset(f"{split}_set_y", data=labels[idx], track_times=False)
        f.create_dataset("list_classes", data=CLASSES.astype(np.int64), track_times=False)


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("digits.h5"))
