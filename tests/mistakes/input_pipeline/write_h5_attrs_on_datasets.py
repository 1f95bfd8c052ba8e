"""The attributes are stored on each dataset instead of the file's root group.

test: test_write_h5
message: The attributes go on the root group
"""
def write_h5(path, arrays, attrs, compression="gzip", chunks=True):
    with h5py.File(path, "w") as f:
        for name, array in arrays.items():
            dataset = f.create_dataset(name, data=array, compression=compression, chunks=chunks)
            for key, value in attrs.items():
                dataset.attrs[key] = value
