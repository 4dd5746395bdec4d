"""Page routes, one module per area. Every router here carries the CSRF check, except `unsubscribe`."""
