"""`python -m publish`: the same as the `publish` command."""

import sys

from .cli import main

sys.exit(main())
