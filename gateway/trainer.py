"""What training code imports: ``from gateway.trainer import load_verified``."""

from gateway.trust.loader import load_verified

__all__ = ["load_verified"]
