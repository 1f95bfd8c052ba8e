"""hardmax returns the indices of the maxima instead of a one-hot matrix.

test: test_hardmax
message: the indices of the maxima
"""
def hardmax(Z):
    return Z.argmax(axis=0)
