"""The model core: torch and numpy only, no Qt (checked by an import-linter contract)."""
