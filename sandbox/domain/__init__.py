"""Pure platform rules: plain data and functions, no HTTP, no global state, no wall clock."""
