"""The test toolkit shared by every suite (docs/testing.md): the started backend or app, a child's
environment, webhook delivery, token minting, Clerk payloads, and the servers the tests start."""
