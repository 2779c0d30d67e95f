"""Housing: sites and their beds, the waitlist, placements that never overbook, the occupancy calendar."""
