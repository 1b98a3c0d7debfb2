"""Stage orchestration in plain Python: each function reads its inputs from the database, runs the domain code,
writes rows and objects, and returns a summary the Dagster asset turns into metadata."""
