"""Tours as the app serves them: presenters, pages, the editor, the audit trail, models and routes."""
