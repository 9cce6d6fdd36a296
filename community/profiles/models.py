"""Models of community/profiles."""
