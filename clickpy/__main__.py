"""`python -m clickpy` is the `clickpy` command."""
import sys

from clickpy.cli import main

sys.exit(main())
