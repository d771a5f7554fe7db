"""The web application: routes, the GraphQL view, GraphiQL, the dashboard and file downloads."""
