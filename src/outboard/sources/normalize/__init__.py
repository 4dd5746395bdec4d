"""Normalisation of imported lead rows: names, LinkedIn ids, emails, companies, phones, locations.

One module per concern; `record.normalize_record` applies them all to one mapped row.
"""

from outboard.sources.normalize.record import (
    FIELDS,
    LIMITS,
    Identity,
    NormalizedLead,
    Problem,
    normalize_many,
    normalize_record,
)

__all__ = ["FIELDS", "LIMITS", "Identity", "NormalizedLead", "Problem", "normalize_many", "normalize_record"]
