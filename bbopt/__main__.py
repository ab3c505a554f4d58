"""``python -m bbopt``: the command line (same as the ``bbopt`` script)."""

from bbopt._cli import main

raise SystemExit(main())
