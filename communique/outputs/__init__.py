"""What users read: tables for the terminal and Markdown, the one serialiser of results, and reports."""
