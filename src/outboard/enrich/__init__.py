"""Enrichment: profile waterfall, email finder, email verifier."""
