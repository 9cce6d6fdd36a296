"""Models of community/communities."""
