"""queue __init__."""
