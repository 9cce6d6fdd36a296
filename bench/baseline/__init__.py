"""The TechEmpower "Fortunes" baseline: the floor Kindred's pages are compared against."""
