"""The coefficients used in the wrong order: x[2] w^2 + x[1] w + x[0].

test: test_quadratic_cost
message: x[0] * w**2 + x[1] * w + x[2]
"""
def quadratic_cost(w, x):
    return x[2] * w ** 2 + x[1] * w + x[0]
