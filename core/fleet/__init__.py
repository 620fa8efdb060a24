"""Many parents at once: fleet status and attested rollouts (independent of the app)."""
