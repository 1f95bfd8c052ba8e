"""yield from over a generator expression of slices, the length from len()."""
def h5_batches(path, key, batch_size):
    with h5py.File(path, "r") as f:
        ds = f[key]
        yield from (ds[i:i + batch_size] for i in range(0, len(ds), batch_size))
