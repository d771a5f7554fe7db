"""Shared pieces of the service: errors, principals, database calls, pagination."""
