"""What both tabs and the main window share: background jobs and their errors, dialogs, image views,
the plot theme, settings."""
