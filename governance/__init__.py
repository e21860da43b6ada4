"""Packaging Council elections, votes and motions under PEP 772."""
