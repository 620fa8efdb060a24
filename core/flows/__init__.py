"""Operator tasks, each written once: steps that report progress (`core.steps.Step`) and return
typed results, raising typed errors (`NitrodeckError`). The command line and the app drive these
and only render what they report.

- `run`: run an enclave with its rules (every broken rule before, the launch, what it got).
- `attest`: get an attestation document (an enclave's agent, or a file) and verify it.
- `pin`: pin a KMS key to an image's measurements (plan, then apply).
- `kms`: which KMS a task on a platform talks to.
- `demo_key`: a key pinned to a running enclave's image, and a ciphertext to decrypt.
- `decrypt`: KMS decrypt inside an enclave (recipient flow), a denial explained.
"""
