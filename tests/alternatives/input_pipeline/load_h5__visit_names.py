"""visit() over names, then reading each dataset by its path with [:]."""
def load_h5(path):
    with h5py.File(path, "r") as f:
        names = []
        f.visit(names.append)
        arrays = {name: f[name][:] for name in names if isinstance(f[name], h5py.Dataset)}
        attrs = dict(f.attrs.items())
    return arrays, attrs
