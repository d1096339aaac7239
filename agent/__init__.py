"""sparkwright's agent: the CLI, the planner/worker graph, and GitHub intake and delivery."""
