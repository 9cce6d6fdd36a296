"""Models of outcomes/research."""
