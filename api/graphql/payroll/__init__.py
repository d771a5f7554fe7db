"""工资 Payroll: runs, payslips, the salary calculator."""
