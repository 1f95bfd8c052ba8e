"""The last, short batch is dropped.

test: test_h5_batches
message: the last, short batch of 40 rows is missing
"""
def h5_batches(path, key, batch_size):
    with h5py.File(path, "r") as f:
        dataset = f[key]
        for start in range(0, dataset.shape[0] - batch_size + 1, batch_size):
            yield dataset[start:start + batch_size]
