"""The compression argument is ignored: every dataset is written with gzip.

test: test_write_h5
message: Pass compression=compression to create_dataset
"""
def write_h5(path, arrays, attrs, compression="gzip", chunks=True):
    with h5py.File(path, "w") as f:
        for name, array in arrays.items():
            f.create_dataset(name, data=array, compression="gzip", chunks=chunks)
        for name, value in attrs.items():
            f.attrs[name] = value
