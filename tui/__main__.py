"""`python -m tui` runs the `nitrodeck` command."""

from tui.cli.main import main

raise SystemExit(main())
