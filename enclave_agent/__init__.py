"""The agent that runs inside an enclave: vsock transport, NSM client, framed CBOR protocol, and
the KMS recipient decrypt. It depends only on the standard library, cbor2, cryptography and
asn1crypto, because it ships inside enclave images; it never imports `core` or `tui`.
"""
