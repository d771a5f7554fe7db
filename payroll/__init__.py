"""community-payroll engine: 三岗十六级 salaries, insurance, income tax, staffing and budget.

Importable without the service.  The main entry points:

- :func:`payroll.policy.load_policy` — validated, dated policy documents;
- :func:`payroll.workers.worker_from_fields`, :class:`payroll.workers.Population`;
- :func:`payroll.months.compute_periods`, :func:`payroll.engine.compute_month`;
- :func:`payroll.explain.explain_month`;
- :func:`payroll.staffing.compute_staffing`, :func:`payroll.budget.compute_budget`.
"""

__version__ = "0.1.0"
