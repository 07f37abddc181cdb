"""What minigrad shows: trace tables (and, later, graphs and sweep frames)."""
