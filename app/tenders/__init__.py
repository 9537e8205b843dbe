"""Tenders that give cooperative suppliers preference (issue 4). So far: the evaluation rules."""
