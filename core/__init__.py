"""nitrodeck's headless engine: formats, crypto, platforms, KMS and policy.

Nothing in this package imports textual or rich (a test enforces it), so the command line,
the full-screen app and scripts all share one implementation.
"""

# The one place the version is written (pyproject reads it): asking importlib.metadata instead
# costs every process ~20 ms of imports, and `serve --stdio` says it in its first frame.
__version__ = "0.1.0"
