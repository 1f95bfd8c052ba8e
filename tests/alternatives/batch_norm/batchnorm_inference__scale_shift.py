"""Folded into one scale and one shift per unit, as deployed models do."""
def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return scale * Z + (beta - scale * running_mean)
