"""notifications __init__."""
