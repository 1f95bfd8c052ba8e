"""if/elif branches instead of a dict."""
def priority_tier(name):
    if name == "learning_rate":
        return 1
    elif name in ("momentum_beta", "mini_batch_size", "hidden_units"):
        return 2
    elif name in ("num_layers", "learning_rate_decay"):
        return 3
    return 4
