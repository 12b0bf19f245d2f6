"""The researchers' triage web app (`rightsradar triage`) and the export to the library (`rightsradar export`)."""
