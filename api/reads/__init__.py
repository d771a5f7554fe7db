"""The read boundary: every read of records, payroll and reports.

Each function takes the caller's :class:`~api.access.principal.Principal` and
applies its scope in the SQL (:mod:`api.access.scopes`) and its masking
(:mod:`api.access.masking`): lists (as :class:`~api.fastpath.pages.Listing`),
single records, the batches behind nested fields, totals and the rows of
files all come from here, so a record outside the caller's scope does not
exist for that caller — a lookup finds nothing, a nested field is null, a
total leaves it out.  By domain, beside the write services:

- :mod:`.records`: streets, communities, positions, workers, assessments;
- :mod:`.payroll`: runs, payslips, their explanations, totals and months;
- :mod:`.policies`, :mod:`.reports`, :mod:`.audit`.

The GraphQL resolvers, the file exports and the services' own lookups call
these functions; none of them queries the models itself.
"""
