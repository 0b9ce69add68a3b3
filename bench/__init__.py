"""Benchmarks: ``python -m bench`` (``make bench``) measures everything in one run and prints a table.

Each module measures one thing; ``__main__`` runs them in order. Figures go in the README.
"""
