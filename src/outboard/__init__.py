"""Outboard: self-hosted B2B prospecting and multichannel outreach."""

__version__ = "0.1.0"
