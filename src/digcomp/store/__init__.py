"""Persistence: SQLAlchemy models, sessions, migrations."""
