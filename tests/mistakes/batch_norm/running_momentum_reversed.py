"""The running-average momentum reversed.

test: test_update_running_stats
message: the momentum is reversed
"""
def update_running_stats(running_mean, running_var, mu, var, momentum=0.9):
    return (1 - momentum) * running_mean + momentum * mu, (1 - momentum) * running_var + momentum * var
