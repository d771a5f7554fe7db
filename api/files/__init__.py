"""File outputs: CSV and XLSX writers, the payroll and report sheets, the run files and their URLs."""
