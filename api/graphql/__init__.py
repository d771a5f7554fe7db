"""The GraphQL layer: one module per domain (types, filters, queries,
mutations), sharing :mod:`api.graphql.core` for scalars, errors, connections,
loaders and the request context.  Resolvers are thin: they fetch in bulk in a
worker thread, call the services or the engine, and shape the result."""
