"""HUD HMIS CSV FY2026: the specification, a validator for any set, and caseterm's export.

caseterm as an agency's HMIS source or a victim service provider's comparable
database. `spec` loads the shipped `fy2026.json` (with the corrections HUD's
published specification requires), `check` validates a folder or zip, `export`
writes one from the database. Nothing here imports the TUI.
"""
