"""One module per resource; each endpoint is an auth dependency plus one service call."""
