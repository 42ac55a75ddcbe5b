"""Where the per-row stage runs: in this process (local) or on Ray actors (ray)."""
