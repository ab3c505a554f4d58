"""``python -m bbopt``: the command line (same as the ``bbopt`` script)."""

from bbopt._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
