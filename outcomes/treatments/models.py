"""Models of outcomes/treatments."""
