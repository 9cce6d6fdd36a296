"""education __init__."""
