"""``python -m screenrev``."""

from .cli import main

main()
