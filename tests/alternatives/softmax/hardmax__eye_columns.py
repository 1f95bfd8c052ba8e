"""Columns of an identity matrix picked by the argmax, as integers."""
def hardmax(Z):
    return np.eye(Z.shape[0], dtype=np.int64)[:, np.argmax(Z, axis=0)]
