"""`python -m scripts.cli`: payctl without its console script (tests and the emulator's child)."""

from scripts.cli.main import main

main()
