"""Human decisions: decision files (``files``), tables from other tools (``tables``),
agreement between reviewers, and a review's decisions read and appended (``stage``)."""
