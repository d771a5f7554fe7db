"""导入 Imports of communities, workers and assessments from CSV and Excel files.

The file is uploaded with the GraphQL multipart request protocol (the
``Upload`` scalar): ``curl -F operations=… -F map=… -F 0=@workers.xlsx``.
The work is :mod:`api.services.imports`; this package maps its report to
GraphQL.  A report is always returned (so a rejected file shows every refused
row); ``errors`` is non-empty exactly when nothing was written because of them.
"""
