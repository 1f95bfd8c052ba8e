"""A ReLU applied to the last layer too, which cuts off negative logits.

test: test_forward_propagation
message: a ReLU was applied to the last layer
"""
def forward_propagation(X, parameters):
    A1 = tf.nn.relu(parameters["W1"] @ X + parameters["b1"])
    A2 = tf.nn.relu(parameters["W2"] @ A1 + parameters["b2"])
    return tf.nn.relu(parameters["W3"] @ A2 + parameters["b3"])
