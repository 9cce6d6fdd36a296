"""Browser journeys: headless Chromium against a live Kindred server."""
