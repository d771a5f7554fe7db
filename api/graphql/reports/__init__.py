"""Reports in GraphQL: staffing, budget, the conversion (工资套改) and policy comparison."""
