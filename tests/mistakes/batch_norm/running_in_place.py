"""The running statistics updated in place.

test: test_update_running_stats
message: changed in place
"""
def update_running_stats(running_mean, running_var, mu, var, momentum=0.9):
    running_mean *= momentum
    running_mean += (1 - momentum) * mu
    running_var *= momentum
    running_var += (1 - momentum) * var
    return running_mean, running_var
