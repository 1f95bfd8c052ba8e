"""dataset.take(1) is returned: a dataset, not its first batch.

test: test_first_batch
message: a dataset rather than its first element
"""
def first_batch(dataset):
    return dataset.take(1)
