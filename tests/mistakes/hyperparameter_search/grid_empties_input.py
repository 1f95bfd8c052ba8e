"""The grid passed in is consumed (its lists emptied) while building the combinations.

test: test_grid_search
message: was modified
"""
def grid_search(grid):
    import itertools
    names = list(grid)
    configs = [dict(zip(names, values)) for values in itertools.product(*(grid[n] for n in names))]
    for name in names:
        grid[name].clear()
    return configs
