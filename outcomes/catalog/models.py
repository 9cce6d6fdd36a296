"""Models of outcomes/catalog."""
