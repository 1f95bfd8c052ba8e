"""Inference that uses the batch's own statistics.

test: test_batchnorm_inference
message: the batch's own mean and variance
"""
def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return batchnorm_forward(Z, gamma, beta, eps)[0]
