"""Installing: the wheel installation driver and its parts (resolver and finder come later)."""
