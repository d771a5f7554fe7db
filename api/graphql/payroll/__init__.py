"""Payroll in GraphQL: runs, payslips, explanations, the salary calculator and
a month's totals — types, inputs, queries and mutations."""
