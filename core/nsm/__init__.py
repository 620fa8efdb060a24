"""The simulated Nitro Secure Module (the hypervisor side): PCR bank, Nitro-shaped PKI,
attestation documents and the Unix-socket server each simulated enclave's NSM listens on.

The message definitions are `enclave_agent.nsm_messages`, shared with the in-enclave client.
"""
