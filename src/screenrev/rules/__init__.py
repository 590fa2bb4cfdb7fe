"""Eligibility criteria written as rule files: reading, checking, applying and explaining them."""

from .engine import EXCLUDE, FLAG, OUTCOMES, PASS, UNSURE, Outcome, Screener, Verdict
from .protocol import Criterion, Protocol, check, load_protocol

__all__ = [
    "EXCLUDE", "FLAG", "OUTCOMES", "PASS", "UNSURE", "Criterion", "Outcome", "Protocol",
    "Screener", "Verdict", "check", "load_protocol",
]
