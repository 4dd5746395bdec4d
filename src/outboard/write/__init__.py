"""Writing: plays, strategy profiles, hooks, the offline composer, the LLM writer, guardrails, review."""
