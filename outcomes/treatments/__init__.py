"""treatments __init__."""
