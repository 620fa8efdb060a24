"""Remote engines: the platform of another parent instance, reached over OpenSSH's stdio."""
