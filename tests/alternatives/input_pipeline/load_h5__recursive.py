"""A recursive walk over groups, inside a with block, reading with np.array and [...]."""
def load_h5(path):
    def walk(group, prefix, out):
        for name, item in group.items():
            if isinstance(item, h5py.Group):
                walk(item, f"{prefix}{name}/", out)
            else:
                out[prefix + name] = np.array(item) if item.shape else item[()]
        return out

    with h5py.File(path, "r") as f:
        return walk(f, "", {}), {key: f.attrs[key] for key in f.attrs}
