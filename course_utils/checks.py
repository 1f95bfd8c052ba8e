"""Public checks used by the visible tests in the notebooks.

Each check raises ``CheckFailed`` (an ``AssertionError``) with one message that says what was
expected and what was found, in the course's terms (shapes such as ``(n_units, m)``).
A passing check prints nothing; call ``passed`` once a whole test cell has passed.
"""
import numpy as np


class CheckFailed(AssertionError):
    """A visible check failed; the message says what was expected and what was found."""


def describe(value):
    """Short description of a value's type, dtype and shape, e.g. 'float64 array of shape (3, 5)'."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of length {len(value)}"
    if isinstance(value, np.generic):
        return f"numpy {value.dtype} scalar {value!r}"
    return f"{type(value).__name__} {value!r}"[:120]


def _fail(name, expected, found, hint=None):
    message = f"{name}: expected {expected}, found {found}."
    if hint:
        message += f" {hint}"
    raise CheckFailed(message)


_KIND_WORDS = {"f": "a float", "i": "an integer", "b": "a boolean"}


def check_array(value, *, name, shape=None, kind=None):
    """Check that ``value`` is a numpy array with the given shape and dtype kind ('f', 'i' or 'b')."""
    if not isinstance(value, np.ndarray):
        _fail(name, f"a numpy array{'' if shape is None else f' of shape {shape}'}", describe(value),
              "Return a numpy array (np.array(...) or a numpy operation), not a Python list or scalar.")
    if shape is not None and value.shape != tuple(shape):
        _fail(name, f"shape {tuple(shape)}", f"shape {value.shape}")
    if kind is not None:
        found_kind = "i" if value.dtype.kind == "u" else value.dtype.kind
        if found_kind != kind:
            _fail(name, f"{_KIND_WORDS[kind]} array", f"dtype {value.dtype}")


def check_close(found, expected, *, name, rtol=1e-7, atol=1e-12):
    """Check values against expected ones within ``|found - expected| <= atol + rtol * |expected|``."""
    expected = np.asarray(expected, dtype=np.float64)
    check_array(np.asarray(found), name=name, shape=expected.shape)
    found = np.asarray(found, dtype=np.float64)
    bad = ~np.isclose(found, expected, rtol=rtol, atol=atol)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        _fail(name, f"{expected[where]:.8g} at index {where}", f"{found[where]:.8g}",
              f"({int(bad.sum())} of {bad.size} entries differ.)")


def check_bounds(values, low, high, *, name, high_inclusive=True):
    """Check that every value lies in [low, high] (or [low, high) when ``high_inclusive`` is False)."""
    values = np.asarray(values)
    above = values > high if high_inclusive else values >= high
    if values.size and (values.min() < low or above.any()):
        closing = "]" if high_inclusive else ")"
        _fail(name, f"every value in [{low}, {high}{closing}",
              f"values from {values.min()!r} to {values.max()!r}")


def check_equal(found, expected, *, name, hint=None):
    """Check ``found == expected`` for plain Python values (lists, dicts, numbers, strings)."""
    if found != expected:
        _fail(name, repr(expected)[:300], repr(found)[:300], hint)


def check_raises(call, exception, *, name, mentions=None):
    """Check that ``call()`` raises ``exception`` whose message contains the word ``mentions``."""
    try:
        call()
    except exception as error:
        if mentions and mentions not in str(error):
            _fail(name, f"a {exception.__name__} whose message names '{mentions}'",
                  f"the message {str(error)!r}")
        return
    except Exception as error:  # noqa: BLE001 - any other exception is the finding
        _fail(name, f"a {exception.__name__}", f"{type(error).__name__}: {error}")
    _fail(name, f"a {exception.__name__}", "no exception")


def passed(message):
    """Print a success line for a test cell whose checks all passed."""
    print(f"\N{HEAVY CHECK MARK} {message}")
