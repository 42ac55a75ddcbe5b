"""Detectors: each scores and explains one family of problems; none of them decides."""
