"""Policy documents: dated versions of every figure a locality may change.

A document (``policy-example.yaml`` in the spec shows every key) holds an
``id``, a ``title`` and a list of complete ``versions``, each with its
``effective_from`` date.  The version *in force* for a period is the one with
the greatest ``effective_from`` on or before the first day of the period
(spec §0) — the dated-parameter model of OpenFisca.

Loading validates the whole document and reports every problem at once, each
with its path in the document, e.g.
``versions[1].posts.CHIEF.max_grade: 17 is above the 16 grades of this table``.
Nothing about a particular city lives in code: posts, the number of grades,
allowances, rates and brackets all come from the document, so a 三岗十八级 or
四岗二十四级 locality is just another document.

Each version compiles once into numpy lookup tables (:class:`VersionTables`)
that the vectorized engine indexes with worker code arrays.

The package, by concern:

- :mod:`.document` — the document as typed, validated values (``Policy``,
  ``PolicyVersion`` and the sections of a version) and the errors;
- :mod:`.tables` — a version compiled into numpy lookup tables, and the pay
  table HR prints;
- :mod:`.fields` — reading one field of the document (money, rate, integer,
  text, date …), collecting problems with their paths;
- :mod:`.reading` — loading and validating a whole document: the entry points
  and the sections of pay (grades, posts, allowances, probation, performance)
  and staffing; :mod:`.deductions` the sections of §8–§9 (social insurance,
  housing fund, income tax).
"""

from .document import (
    ROUNDING_MODES,
    TAX_METHODS,
    Allowances,
    Bracket,
    CommunityFunds,
    ContributionPart,
    DeputyRule,
    FixedAllowance,
    Grades,
    HousingFund,
    IncomeTax,
    NoVersionInForce,
    Performance,
    Policy,
    PolicyError,
    PolicyVersion,
    Post,
    Probation,
    Promotion,
    SocialInsurance,
    Staffing,
)
from .reading import example_policy, example_policy_path, load_policy, load_yaml, parse_policy, parse_policy_text
from .tables import ContributionRule, GradeTableRow, VersionTables, grade_table_rows

__all__ = [
    "Allowances", "Bracket", "CommunityFunds", "ContributionPart", "ContributionRule", "DeputyRule",
    "FixedAllowance", "GradeTableRow", "Grades", "HousingFund", "IncomeTax", "NoVersionInForce", "Performance",
    "Policy", "PolicyError", "PolicyVersion", "Post", "Probation", "Promotion", "ROUNDING_MODES",
    "SocialInsurance", "Staffing", "TAX_METHODS", "VersionTables", "example_policy", "example_policy_path",
    "grade_table_rows", "load_policy", "load_yaml", "parse_policy", "parse_policy_text",
]
