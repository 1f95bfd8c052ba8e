"""The uint8 image is divided by 255.0 without being cast to float first.

test: test_normalize
message: cannot be divided by a float without casting
"""
def normalize(image, label):
    return image / 255.0, label
