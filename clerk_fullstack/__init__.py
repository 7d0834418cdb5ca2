"""clerk_fullstack: Clerk sign-in, MongoDB users and a favorite color, in one Reflex app."""
