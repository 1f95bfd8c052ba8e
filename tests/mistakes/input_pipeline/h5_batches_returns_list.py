"""The batches are collected in a list and returned, instead of yielded one at a time.

test: test_h5_batches
message: Make h5_batches a generator
"""
def h5_batches(path, key, batch_size):
    with h5py.File(path, "r") as f:
        dataset = f[key]
        return [dataset[start:start + batch_size] for start in range(0, dataset.shape[0], batch_size)]
