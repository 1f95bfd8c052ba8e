"""The fine stage samples the whole space again: the search never zooms in.

test: test_coarse_to_fine
message: Narrow the space before the fine stage
"""
def coarse_to_fine(objective, space, n_coarse, n_fine, top_k, rng):
    history = [(c, objective(c)) for c in random_search(space, n_coarse, rng)]
    history += [(c, objective(c)) for c in random_search(space, n_fine, rng)]
    best_config, _ = max(history, key=lambda t: t[1])
    return best_config, history
