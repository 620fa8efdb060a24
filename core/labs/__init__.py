"""Training labs: a broken scenario prepared with the real mechanisms, and a check of real state.

A lab is data (`core.labs.model.Lab`): its story, graded hints, a setup that drives the simulator,
the local KMS and the EIF builder in a fresh home, and a check that inspects that home's real state
(enclaves, pool, key policies through the real policy engine, key states), never the learner's
answers. `core.labs.runner` starts, checks and resets labs and keeps progress in SQLite.
"""
