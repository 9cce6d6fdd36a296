"""Models of moderation/vetting."""
