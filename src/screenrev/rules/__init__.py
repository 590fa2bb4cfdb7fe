"""Eligibility criteria written as rule files: reading and checking them (``protocol``),
applying them (``engine``), explaining them (``explain``), and the stage over a review
(``stage``)."""
