"""The in-memory reference driver every contract test runs against."""
