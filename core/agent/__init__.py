"""The parent side of the enclave agent: its client, and the demo image that carries it."""
