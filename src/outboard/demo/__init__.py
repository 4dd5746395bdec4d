"""`outboard demo`: the whole product on local servers, with sample data and simulated days."""
