"""Datasets made with keyword arguments from a dict, attributes with attrs.create."""
def write_h5(path, arrays, attrs, compression="gzip", chunks=True):
    settings = dict(compression=compression, chunks=chunks)
    with h5py.File(path, mode="w") as handle:
        for key in sorted(arrays):
            handle.create_dataset(key, shape=arrays[key].shape, dtype=arrays[key].dtype, **settings)[...] = arrays[key]
        for key, value in attrs.items():
            handle.attrs.create(key, value)
