"""Groups created one by one with require_group, datasets created in their group, attrs updated at once."""
def write_h5(path, arrays, attrs, compression="gzip", chunks=True):
    f = h5py.File(path, "w")
    try:
        for name, array in arrays.items():
            *folders, leaf = name.split("/")
            group = f
            for folder in folders:
                group = group.require_group(folder)
            group.create_dataset(leaf, data=np.asarray(array), compression=compression, chunks=chunks)
        f.attrs.update(attrs)
    finally:
        f.close()
