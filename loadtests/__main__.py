"""`python -m loadtests <study> [options]`: see cli.py."""

import sys

from loadtests.cli import main

sys.exit(main())
