"""Instructors' notes as the app serves them: sign-in and tokens, forms, the audit trail, models and routes."""
