"""reports __init__."""
