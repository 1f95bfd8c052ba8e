"""Softmax applied to the output, which is then no longer logits.

test: test_forward_propagation
message: softmax was applied to the output
"""
def forward_propagation(X, parameters):
    A1 = tf.nn.relu(parameters["W1"] @ X + parameters["b1"])
    A2 = tf.nn.relu(parameters["W2"] @ A1 + parameters["b2"])
    return tf.nn.softmax(parameters["W3"] @ A2 + parameters["b3"], axis=0)
