"""Instructor annotations: labels and Markdown notes per unit, their audit trail and instructor tokens.

A small writable database kept apart from the read-only precomputed store (imports neither torch nor the web layer).
"""
