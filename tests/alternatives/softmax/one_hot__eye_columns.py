"""Columns of an identity matrix picked by the labels."""
def one_hot(labels, C):
    return np.eye(C)[:, labels]
