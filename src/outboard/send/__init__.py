"""Send: runs, sequences, the scheduler, caps, and the email and LinkedIn channels."""
