"""Numbers about the pipeline, runs, sequences and accounts, for the CLI, the web app and the demo."""
