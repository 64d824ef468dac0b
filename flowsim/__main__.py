"""`python -m flowsim` runs the `flowsim` command."""

import sys

from flowsim.cli import main

sys.exit(main())
