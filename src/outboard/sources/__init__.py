"""Lead sources: file import (reader, presets, normalisation, dedup), manual leads, discovery."""
