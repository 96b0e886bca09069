"""Organisations, people and mobilities: who goes where, when."""
