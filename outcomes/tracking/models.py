"""Models of outcomes/tracking."""
