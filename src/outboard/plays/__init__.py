"""Plays: the shipped play library (TOML data files) and a workspace's own plays."""
