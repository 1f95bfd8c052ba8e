"""Ties are rounded away from zero (0x8000 added) instead of to even.

test: test_round_to_bfloat16
message: round half to even
"""
def round_to_bfloat16(x):
    bits = np.asarray(x, dtype=np.float32).view(np.uint32)
    return ((bits + np.uint32(0x8000)) & np.uint32(0xFFFF0000)).view(np.float32)
