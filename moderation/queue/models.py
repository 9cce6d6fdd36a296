"""Models of moderation/queue."""
