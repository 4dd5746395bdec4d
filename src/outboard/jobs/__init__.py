"""Background jobs: definitions, progress rows, and the Huey runner."""
