"""The generator reads the whole dataset into memory, then slices the array.

test: test_h5_batches
message: It read the whole dataset
"""
def h5_batches(path, key, batch_size):
    with h5py.File(path, "r") as f:
        everything = f[key][:]
    for start in range(0, len(everything), batch_size):
        yield everything[start:start + batch_size]
