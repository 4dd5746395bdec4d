"""Channels that deliver a step: email over SMTP, LinkedIn by manual tasks or through an API provider."""
