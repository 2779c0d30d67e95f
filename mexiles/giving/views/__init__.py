from .public import bp

__all__ = ["bp"]
