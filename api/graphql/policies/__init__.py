"""Policies in GraphQL: documents, versions, the grade table; import and activate."""
