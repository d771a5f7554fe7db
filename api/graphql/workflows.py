"""HR and finance workflows: conversion (工资套改), policy comparison, reports.

(Placeholder: filled in by the workflows work; wired into the schema already.)
"""

from __future__ import annotations

import strawberry


@strawberry.type
class WorkflowQueries:
    pass


@strawberry.type
class WorkflowMutations:
    pass
