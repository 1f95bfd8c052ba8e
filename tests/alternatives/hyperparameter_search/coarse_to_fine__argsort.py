"""numpy argsort for the top-k, tuples of numpy floats as scores, and a loop for the best."""
def coarse_to_fine(objective, space, n_coarse, n_fine, top_k, rng):
    coarse = random_search(space, n_coarse, rng)
    scores = np.array([objective(c) for c in coarse])
    top = [coarse[i] for i in np.argsort(scores)[::-1][:top_k]]
    zoomed = {}
    for name, (scale, _, _) in space.items():
        values = [c[name] for c in top]
        zoomed[name] = (scale, min(values), max(values))
    fine = random_search(zoomed, n_fine, rng)
    history = [(c, np.float64(s)) for c, s in zip(coarse, scores)] + [(c, objective(c)) for c in fine]
    best = history[0]
    for trial in history[1:]:
        if trial[1] > best[1]:
            best = trial
    return best[0], history
