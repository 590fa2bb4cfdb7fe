"""screenrev: a reproducible pipeline for the screening stage of systematic reviews."""

__version__ = "0.1.0"
