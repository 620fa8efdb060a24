"""How screens reach the engine: the platform, the KMS, the views, errors, the console."""
