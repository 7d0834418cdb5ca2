"""Bring MongoDB back in line with Clerk from its Backend API: `python -m clerk_fullstack.sync`."""
