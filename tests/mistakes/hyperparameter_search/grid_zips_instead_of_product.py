"""zip() pairs the lists element by element instead of taking every combination.

test: test_grid_search
message: configurations (the product of the list lengths)
"""
def grid_search(grid):
    names = list(grid)
    return [dict(zip(names, values)) for values in zip(*(grid[n] for n in names))]
