"""``python -m nn.train``: the command line of ``nn.cli``, with the same flags as
``python -m nn`` (the name it had before the command line moved out of ``nn.train``)."""

import sys

from ..cli import main

sys.exit(main(prog="python -m nn.train"))
