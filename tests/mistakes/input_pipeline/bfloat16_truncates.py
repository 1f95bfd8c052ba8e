"""The lower 16 bits are cleared without rounding (truncation, toward zero).

test: test_round_to_bfloat16
message: truncated
"""
def round_to_bfloat16(x):
    bits = np.asarray(x, dtype=np.float32).view(np.uint32)
    return (bits & np.uint32(0xFFFF0000)).view(np.float32)
