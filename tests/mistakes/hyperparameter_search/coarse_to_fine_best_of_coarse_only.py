"""best_config taken from the coarse stage only, ignoring the better fine trials.

test: test_coarse_to_fine
message: best_config should be the configuration with the highest score
"""
def coarse_to_fine(objective, space, n_coarse, n_fine, top_k, rng):
    history = [(c, objective(c)) for c in random_search(space, n_coarse, rng)]
    ranked = sorted(history, key=lambda t: t[1], reverse=True)
    best_coarse = [c for c, _ in ranked[:top_k]]
    zoomed = {name: (scale, min(c[name] for c in best_coarse), max(c[name] for c in best_coarse))
              for name, (scale, _, _) in space.items()}
    history += [(c, objective(c)) for c in random_search(zoomed, n_fine, rng)]
    return ranked[0][0], history
