"""Models of outcomes/reports."""
