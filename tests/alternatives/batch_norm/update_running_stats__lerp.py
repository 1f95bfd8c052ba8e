"""Written as a move towards the batch value: running + (1 - momentum) * (batch - running)."""
def update_running_stats(running_mean, running_var, mu, var, momentum=0.9):
    step = 1 - momentum
    return running_mean + step * (mu - running_mean), running_var + step * (var - running_var)
