"""The real Nitro platform: sysfs, IMDSv2, nitro-cli, vsock, the allocator service, vsock-proxy."""
