"""Momentum ranked above the learning rate.

test: test_priority_tier
message: in the wrong tier
"""
def priority_tier(name):
    tiers = {"learning_rate": 2, "momentum_beta": 1, "mini_batch_size": 2, "hidden_units": 2,
             "num_layers": 3, "learning_rate_decay": 3, "adam_beta1": 4, "adam_beta2": 4, "adam_epsilon": 4}
    return tiers[name]
