"""The web app: server-rendered pages (Jinja2 + htmx), sign-in, and the REST API mounted at /api."""
