"""nitrodeck's headless engine: formats, crypto, platforms, KMS and policy.

Nothing in this package imports textual or rich (a test enforces it), so the command line,
the full-screen app and scripts all share one implementation.
"""
