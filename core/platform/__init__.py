"""Everything hardware-specific behind one interface: the simulator today, real Nitro later."""
