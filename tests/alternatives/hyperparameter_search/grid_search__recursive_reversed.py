"""Recursion that varies the first name fastest: another order of the same combinations."""
def grid_search(grid):
    names = list(grid)
    if not names:
        return [{}]
    first, rest = names[0], {n: grid[n] for n in names[1:]}
    return [dict(tail, **{first: value}) for tail in grid_search(rest) for value in grid[first]]
