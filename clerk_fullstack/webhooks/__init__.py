"""Clerk's webhooks as events: signature checks, parsing and typed field readers."""
