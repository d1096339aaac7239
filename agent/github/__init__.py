"""GitHub: issue URLs and the REST client, intake from an issue URL, the clone cache, pushing and draft PRs."""
