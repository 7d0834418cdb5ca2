"""Factories shared by the test suites: signing keys and tokens, Svix signing, Clerk payloads."""
