"""Reusable widgets of the training tab and the main window."""
