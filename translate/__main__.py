"""``python -m translate`` is the same as the ``vi2en`` command."""

import sys

from .cli import main

sys.exit(main())
