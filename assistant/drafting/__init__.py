"""Drafting plan sections and task tables from the sources, the coverage check and the exports."""
