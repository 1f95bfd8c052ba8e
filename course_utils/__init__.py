"""Helpers shared by the course notebooks.

Learners receive this package with the release notebooks, so it holds no reference
solutions: only data loading, plotting, public checks, gradient checking and seeding.
"""
