"""``python -m skreg`` runs the command line."""

import sys

from skreg.cli import main

sys.exit(main())
