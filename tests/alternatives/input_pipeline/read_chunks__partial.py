"""iter() over functools.partial(file.read, size)."""
def read_chunks(file, size):
    import functools
    return iter(functools.partial(file.read, size), b"")
