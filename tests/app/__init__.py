"""The application layer (perfgate.app) on a real SQLite file and real git repositories."""
