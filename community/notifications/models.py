"""Models of community/notifications."""
