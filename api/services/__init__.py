"""Business operations of the service, independent of GraphQL.

Each function runs inside a worker thread with a database connection (see
:func:`api.core.db.run_db`), checks permissions and input, writes in one
transaction, records the audit entry, and raises
:class:`~api.core.errors.UserErrors` for user mistakes (nothing written).
"""
