"""``python -m api.cli``: the same as the ``community-payroll`` script."""

import sys

from api.cli import main

sys.exit(main())
