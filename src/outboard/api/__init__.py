"""The REST API under /api: bearer-token auth, thin endpoints over the stage services, OpenAPI."""
