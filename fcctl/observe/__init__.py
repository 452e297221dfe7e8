"""Reading what FC recorded about a function: its Simple Log Service (SLS) logs."""
