"""The tracked-firm list: build it from public sources, check it, load it."""
