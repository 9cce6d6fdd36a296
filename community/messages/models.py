"""Models of community/messages."""
