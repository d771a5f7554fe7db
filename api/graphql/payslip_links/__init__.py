"""电子工资条: HR issues one-time payslip links to workers and revokes them."""
