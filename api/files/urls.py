"""Where the files of :mod:`api.http.exports` are: the paths GraphQL hands out.

Kept apart from the routes so that GraphQL types can name the files without
importing the web application.
"""

from __future__ import annotations

from urllib.parse import urlencode


def run_file_paths(run_id: int) -> dict[str, str]:
    """The files of a payroll run, by name."""
    base = f"/exports/payroll-runs/{run_id}"
    return {
        "csv": f"{base}.csv",
        "xlsx": f"{base}.xlsx",
        "payslips_xlsx": f"{base}/payslips.xlsx",
        "bank_csv": f"{base}/bank.csv",
        "bank_xlsx": f"{base}/bank.xlsx",
        "contributions_csv": f"{base}/contributions.csv",
        "contributions_xlsx": f"{base}/contributions.xlsx",
    }


def _with_query(path: str, **params: object) -> str:
    given = {k: str(v) for k, v in params.items() if v is not None}
    return f"{path}?{urlencode(given)}" if given else path


def conversion_xlsx_path(period: str, street_id: str | None = None, community_id: str | None = None,
                         jurisdiction_id: str | None = None) -> str:
    return _with_query("/exports/conversion.xlsx", period=period, jurisdictionId=jurisdiction_id, streetId=street_id,
                       communityId=community_id)


def budget_xlsx_path(year: int, growth: str | None = None, street_id: str | None = None,
                     community_id: str | None = None, jurisdiction_id: str | None = None) -> str:
    return _with_query("/exports/budget.xlsx", year=year, baseIncomeGrowth=growth, jurisdictionId=jurisdiction_id,
                       streetId=street_id, communityId=community_id)


def staffing_xlsx_path(date: str, street_id: str | None = None, community_id: str | None = None,
                       jurisdiction_id: str | None = None) -> str:
    return _with_query("/exports/staffing.xlsx", date=date, jurisdictionId=jurisdiction_id, streetId=street_id,
                       communityId=community_id)


def workers_file_path(extension: str, street_id: str | None = None, community_id: str | None = None) -> str:
    """The workers file (工作者名册, ``xlsx`` or ``csv``) of the caller's scope, or of a street or community."""
    return _with_query(f"/exports/workers.{extension}", streetId=street_id, communityId=community_id)
