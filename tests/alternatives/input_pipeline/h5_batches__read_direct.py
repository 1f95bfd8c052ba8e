"""A while loop that reads each batch with read_direct into a fresh array."""
def h5_batches(path, key, batch_size):
    with h5py.File(path, "r") as f:
        ds = f[key]
        start = 0
        while start < ds.shape[0]:
            stop = min(start + batch_size, ds.shape[0])
            out = np.empty((stop - start, *ds.shape[1:]), dtype=ds.dtype)
            ds.read_direct(out, np.s_[start:stop])
            yield out
            start = stop
