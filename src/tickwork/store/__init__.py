"""The store: the single source of truth every role reads and writes (SQLite or PostgreSQL)."""
