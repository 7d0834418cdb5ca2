"""Clerk session-token verification: pure checks (`tokens`), key sources, the app's verifier."""
