"""vetting __init__."""
