"""HTTP routes mounted into the Reflex backend: webhooks, the REST API and health."""
