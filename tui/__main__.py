"""`python -m tui` runs the `nitrodeck` command."""

from tui.cli.main import main

if __name__ == "__main__":  # importing this module (by name, from anywhere) must run nothing
    raise SystemExit(main())
