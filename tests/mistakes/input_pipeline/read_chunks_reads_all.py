"""All the chunks are read into a list up front.

test: test_read_chunks
message: returned a list
"""
def read_chunks(file, size):
    return list(iter(lambda: file.read(size), b""))
