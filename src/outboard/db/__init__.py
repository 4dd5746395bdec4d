"""Persistence: SQLAlchemy 2 models, sessions, workspace-scoped access, Alembic migrations."""
