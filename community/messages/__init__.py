"""messages __init__."""
