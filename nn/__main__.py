"""``python -m nn``: the command line of ``nn.cli`` (``python -m nn --help``)."""

import sys

from .cli import main

sys.exit(main())
