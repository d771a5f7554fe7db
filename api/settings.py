"""Service configuration, read from the environment.

| variable | default | meaning |
|---|---|---|
| ``DATABASE_URL`` | ``sqlite:///community-payroll.db`` | ``sqlite:///path`` or ``postgresql://user@host/db`` |
| ``PAYROLL_DEV_ADMIN`` | off | ``1``: requests without a token act as ADMIN (demo only; announced at start) |
| ``PAYROLL_CORS_ORIGINS`` | none | comma-separated origins allowed to call the API from a browser |
| ``PAYROLL_MAX_DEPTH`` | 10 | deepest query nesting accepted |
| ``PAYROLL_MAX_ALIASES`` | 30 | aliases per query |
| ``PAYROLL_MAX_TOKENS`` | 4000 | tokens per query document |
| ``PAYROLL_MAX_COST`` | 20000 | estimated objects a query may ask for (from ``first``/``last``) |
| ``PAYROLL_MAX_BODY_BYTES`` | 1000000 | request body size |
| ``PAYROLL_MAX_UPLOAD_BYTES`` | 50000000 | body size of file uploads (multipart imports) |
| ``PAYROLL_MAX_BATCH`` | 10 | operations in one batched request |
| ``PAYROLL_DB_POOL`` | 20 (PostgreSQL), 16 (SQLite) | connections (and database threads) per process |
| ``PAYROLL_TOKEN_CACHE_SECONDS`` | 5 | how long a process trusts a token it checked (revocation takes effect within it) |
| ``PAYROLL_MIGRATE`` | on | ``0``: do not migrate on start (e.g. an instance reading a replica) |
| ``PAYROLL_AUTH_MAX_FAILURES`` | 10 | failed authentications from one address that lock it out |
| ``PAYROLL_AUTH_WINDOW_SECONDS`` | 60 | the window in which those failures are counted |
| ``PAYROLL_AUTH_LOCKOUT_SECONDS`` | 60 | how long a locked-out address is refused (429) |
| ``PAYROLL_WORKER_TOKEN_DAYS`` | 90 | lifetime of the token a worker's one-time payslip link is exchanged for |
| ``PAYROLL_PUBLIC_URL`` | none | the address workers open (``https://pay.example.gov.cn``), for payslip links; GraphQL otherwise uses the request's own address, the command line prints the path only |

Imports (:class:`ImportLimits`; checked while the file is read, before memory grows):

| variable | default | meaning |
|---|---|---|
| ``PAYROLL_IMPORT_MAX_ROWS`` | 100000 | rows of a file (blank ones included) |
| ``PAYROLL_IMPORT_MAX_COLUMNS`` | 100 | cells of a row |
| ``PAYROLL_IMPORT_MAX_CELL_CHARS`` | 1000 | characters of a cell |
| ``PAYROLL_IMPORT_MAX_FILE_BYTES`` | 50000000 | size of the file as uploaded or read (a CSV, or an .xlsx before unzipping) |
| ``PAYROLL_IMPORT_MAX_XLSX_BYTES`` | 256000000 | size of an .xlsx once unzipped (from the zip's directory, before opening) |
| ``PAYROLL_IMPORT_MAX_RATIO`` | 100 | how much larger a part of an .xlsx may be unzipped than zipped |
| ``PAYROLL_STATEMENT_TIMEOUT_MS`` | 5000 | longest a database statement of a request may run (``0``: no limit); payroll runs, imports and exports are not limited |
| ``PAYROLL_PG_RANDOM_PAGE_COST`` | 1.1 | PostgreSQL planner's ``random_page_cost`` for the service's sessions (data in memory or on SSD); ``database``: the database's own |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

#: The largest page a connection returns (interfaces.md: at most 100).
MAX_PAGE_SIZE = 100
#: The largest id a table holds (64-bit): larger numbers are refused before they reach SQL.
MAX_ID = 2**63 - 1
#: How long a one-time payslip link (电子工资条) lasts unused: by default, and at most (days).
DEFAULT_LINK_DAYS = 7
MAX_LINK_DAYS = 30
#: PostgreSQL's cost of a page read out of order, for the service's sessions: the
#: data is in memory or on SSD.  With PostgreSQL's default of 4 the planner read
#: a month's first page of payslips through the primary key, filtering out every
#: earlier month (0.25–0.5 s among 1M payslips), instead of the (period, id) index (1 ms).
DEFAULT_PG_RANDOM_PAGE_COST = 1.1


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class ImportLimits:
    """Caps on an imported file (docs/security.md lists them): a small upload
    must not be able to take the server's memory or time."""

    max_rows: int = 100_000
    max_columns: int = 100
    max_cell_chars: int = 1_000
    max_file_bytes: int = 50_000_000
    max_xlsx_bytes: int = 256_000_000
    max_ratio: int = 100

    @classmethod
    def from_env(cls) -> ImportLimits:
        # Each limit from PAYROLL_IMPORT_<FIELD> (PAYROLL_IMPORT_MAX_ROWS …), else its default above.
        return cls(**{f.name: _int(f"PAYROLL_IMPORT_{f.name.upper()}", f.default) for f in fields(cls)})


def _page_cost(text: str) -> float | None:
    """``PAYROLL_PG_RANDOM_PAGE_COST``: a number (default 1.1), or ``database`` for the database's own."""
    text = text.strip()
    if text.lower() == "database":
        return None
    return float(text) if text else DEFAULT_PG_RANDOM_PAGE_COST


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    database_url: str
    dev_admin: bool = False
    cors_origins: tuple[str, ...] = field(default=())
    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 4000
    max_cost: int = 20_000
    max_body_bytes: int = 1_000_000
    max_upload_bytes: int = 50_000_000
    max_batch: int = 10
    db_pool: int | None = None
    migrate_on_start: bool = True
    token_cache_seconds: float = 5.0
    auth_max_failures: int = 10
    auth_window_seconds: float = 60.0
    auth_lockout_seconds: float = 60.0
    worker_token_days: int = 90
    public_url: str | None = None
    import_limits: ImportLimits = field(default_factory=ImportLimits)
    statement_timeout_ms: int = 5000
    #: None: leave PostgreSQL's own setting (4 unless the operator changed it).
    pg_random_page_cost: float | None = DEFAULT_PG_RANDOM_PAGE_COST

    @classmethod
    def from_env(cls) -> Settings:
        from api.db.database import database_url

        origins = tuple(o.strip() for o in os.environ.get("PAYROLL_CORS_ORIGINS", "").split(",") if o.strip())
        defaults = {f.name: f.default for f in fields(cls)}
        return cls(
            database_url=database_url(),
            dev_admin=_flag("PAYROLL_DEV_ADMIN"),
            cors_origins=origins,
            **{name: _int(f"PAYROLL_{name.upper()}", defaults[name]) for name in _WHOLE_NUMBER_SETTINGS},
            **{name: float(os.environ.get(f"PAYROLL_{name.upper()}", defaults[name])) for name in _SECONDS_SETTINGS},
            db_pool=_int("PAYROLL_DB_POOL", 0) or None,
            public_url=os.environ.get("PAYROLL_PUBLIC_URL", "").strip().rstrip("/") or None,
            pg_random_page_cost=_page_cost(os.environ.get("PAYROLL_PG_RANDOM_PAGE_COST", "")),
            migrate_on_start=os.environ.get("PAYROLL_MIGRATE", "1").strip() not in ("0", "false", "no", "off"),
            import_limits=ImportLimits.from_env(),
        )


#: Settings read from ``PAYROLL_<NAME>`` (PAYROLL_MAX_DEPTH …), their defaults those of :class:`Settings`.
_WHOLE_NUMBER_SETTINGS = ("max_depth", "max_aliases", "max_tokens", "max_cost", "max_body_bytes", "max_upload_bytes",
                          "max_batch", "auth_max_failures", "worker_token_days", "statement_timeout_ms")
_SECONDS_SETTINGS = ("token_cache_seconds", "auth_window_seconds", "auth_lockout_seconds")
