"""Storage: the SQLModel tables, the async database handle and the Alembic migrations."""
