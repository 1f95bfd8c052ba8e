"""The whole dataset is materialised to take its first element: list(dataset)[0].

test: test_first_batch
message: runs the whole pipeline
"""
def first_batch(dataset):
    return list(dataset)[0]
