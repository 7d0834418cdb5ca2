"""The foundation: settings, errors, origins, page routes, the database, the Clerk instance."""
