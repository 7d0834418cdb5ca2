"""A local Clerk emulator: the whole sign-in flow offline, trusted only through its JWKS."""
