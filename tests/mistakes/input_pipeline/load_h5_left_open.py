"""The file is never closed: a recursive walker that refers to it keeps it open until the garbage collector runs.

test: test_load_h5
message: the file was still open after load_h5 returned
"""
def load_h5(path):
    f = h5py.File(path, "r")
    arrays = {}

    def walk(prefix):
        for name in (f[prefix] if prefix else f):
            full = f"{prefix}/{name}" if prefix else name
            if isinstance(f[full], h5py.Group):
                walk(full)
            else:
                arrays[full] = f[full][()]

    walk("")
    return arrays, dict(f.attrs)
