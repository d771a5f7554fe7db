"""The performance machinery of GraphQL pages, in one place.

A page of 100 payslips with their worker, community and street is the
service's hottest request.  Four pieces keep it to one or a few statements and
little Python:

- :mod:`.views`: one declaration per kind of record — its table, the columns a
  GraphQL type shows, its to-one relations, its scope and its masking — and
  the lookup of records by id in one statement;
- :mod:`.pages`: keyset pages of a :class:`~.pages.Listing` (a scoped,
  filtered, ordered list), with the SQL text of each query shape generated
  once;
- :mod:`.render`: pages whose selection is plain columns and to-one relations
  are rendered as JSON by the database, relations joined in the same
  statement (and limited to the caller's scope in the join);
- :mod:`.prefetch` and :mod:`.completion`: otherwise, related objects are
  fetched one statement per level and attached to the page's objects, and
  lists of such objects are completed by generated code instead of
  graphql-core's per-field machinery.

GraphQL types link to their view with :func:`.views.node` — the only
declaration a type makes.  The read layer (:mod:`api.reads`) builds the
listings; nothing here decides *what* a caller may see, only how fast.
"""
