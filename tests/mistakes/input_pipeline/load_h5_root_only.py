"""Only the datasets at the root are read; those inside groups are missed.

test: test_load_h5
message: Datasets inside groups count too
"""
def load_h5(path):
    with h5py.File(path, "r") as f:
        arrays = {name: obj[()] for name, obj in f.items() if isinstance(obj, h5py.Dataset)}
        return arrays, dict(f.attrs)
