"""Mantissa and exponent with np.frexp, the mantissa rounded to 8 bits by np.round (which rounds half to even)."""
def round_to_bfloat16(x):
    x = np.asarray(x, dtype=np.float64)
    mantissa, exponent = np.frexp(x)
    return np.ldexp(np.round(np.ldexp(mantissa, 8)), exponent - 8).astype(np.float32)
