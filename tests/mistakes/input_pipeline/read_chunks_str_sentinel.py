"""The sentinel is '' (the end of a text file) although a binary file ends with b'': the iterator never stops.

test: test_read_chunks
message: the sentinel must be b"" (bytes)
"""
def read_chunks(file, size):
    return iter(lambda: file.read(size), "")
