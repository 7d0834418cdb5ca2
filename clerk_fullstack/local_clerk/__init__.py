"""A local Clerk stand-in: the whole sign-in flow offline, trusted only through its JWKS."""
