"""h5py Dataset objects are returned instead of numpy arrays (nothing is read, and the file stays open).

test: test_load_h5
message: is an h5py Dataset, not a numpy array
"""
def load_h5(path):
    f = h5py.File(path, "r")
    arrays = {}
    f.visititems(lambda name, obj: arrays.__setitem__(name, obj) if isinstance(obj, h5py.Dataset) else None)
    return arrays, dict(f.attrs)
