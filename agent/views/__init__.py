"""What the user reads: live progress, `jobs` and `show`, `review` in its formats. Views only read the record."""
