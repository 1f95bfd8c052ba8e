"""Demo cells that use a learner's functions, for notebooks that are not finished yet.

A demo cell wraps its body in ``with needs("train_softmax"):``. If a function it uses still raises
the release's ``NotImplementedError``, or a name it uses was never made because an earlier demo
stopped for the same reason, the cell prints one line saying what to finish first, and the
notebook runs on: one "not implemented" per function, never a cascade of ``NameError``.
Any other error is raised as usual, because it is a real bug the learner should see.
"""
import contextlib

import matplotlib.pyplot as plt


@contextlib.contextmanager
def needs(*functions):
    """Run a demo that uses ``functions`` (their names, e.g. ``"batchnorm_forward"``).

    On ``NotImplementedError``, or a ``NameError`` left by an earlier unfinished demo, print what
    to finish and close any figure the demo had begun, so no empty frame is shown.
    """
    figures_before = set(plt.get_fignums())
    try:
        yield
    except (NotImplementedError, NameError) as error:
        for number in set(plt.get_fignums()) - figures_before:
            plt.close(number)
        missing = f" (`{error.name}` was not made)" if isinstance(error, NameError) else ""
        listed = ", ".join(f"`{name}`" for name in functions)
        print(f"This cell shows what {listed} can do{missing}: finish "
              f"{'it' if len(functions) == 1 else 'them'} above, then run this cell again.")
