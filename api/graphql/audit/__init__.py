"""The audit log in GraphQL (ADMIN)."""
