"""Models of moderation/education."""
