"""Python wrappers of Clerk's React SDK (`@clerk/react`, Core 3): one small class per component."""
