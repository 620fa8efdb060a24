"""`python -m tui.cli.nitro_cli …`: nitro-cli over the simulator, whatever the machine (the
tests install it as `nitro-cli` on PATH to drive `NitroPlatform` without Nitro hardware)."""

import sys

from tui.cli.nitro_cli import simulated

sys.exit(simulated(sys.argv[1:]))
