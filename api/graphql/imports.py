"""Imports of communities and workers from CSV and Excel files.

(Placeholder: filled in by the imports work; wired into the schema already.)
"""

from __future__ import annotations

import strawberry


@strawberry.type
class ImportMutations:
    pass
