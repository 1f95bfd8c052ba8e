"""A generator with a while True loop that stops at an empty read."""
def read_chunks(file, size):
    def chunks():
        while True:
            chunk = file.read(size)
            if not chunk:
                return
            yield chunk
    return chunks()
