"""What both tabs and the main window share: dialogs, image views, the plot theme, settings."""
