"""Float64 reference implementations of the graded functions. Never shipped to learners."""
