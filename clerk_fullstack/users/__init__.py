"""The users service and everything under it: models, store, colors, Clerk's Backend API."""
