"""take(1) and get_single_element."""
def first_batch(dataset):
    return dataset.take(1).get_single_element()
