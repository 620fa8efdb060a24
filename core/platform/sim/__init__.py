"""The simulated Nitro parent instance: profiles, state, allocator, supervised enclaves, vsock."""
