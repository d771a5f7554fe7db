"""The records in GraphQL: streets, communities, positions, workers and their
assessments — types, inputs, queries and mutations."""
