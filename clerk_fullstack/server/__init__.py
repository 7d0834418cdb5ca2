"""How Reflex and gunicorn serve the app: the server, its hooks, the dev frontend, tab state."""
