"""Pure domain code: entities, stages, state machines and rules. No I/O, imports nothing of ours."""
