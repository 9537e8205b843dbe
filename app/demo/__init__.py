"""Demo data built from real reference files."""
