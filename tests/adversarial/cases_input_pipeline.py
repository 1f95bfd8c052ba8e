"""Adversarial submissions for input_pipeline: a library shortcut in every graded function, and tricks
specific to its checks. Each Case says which tests must fail."""
from kit import shortcut_case  # noqa: F401

CASES = []
