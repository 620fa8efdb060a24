"""The EIF engine: read, validate, measure, build, sign, diff and unpack enclave image files."""
