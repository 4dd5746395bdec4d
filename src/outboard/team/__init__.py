"""Workspaces, users, invitations and API tokens."""
