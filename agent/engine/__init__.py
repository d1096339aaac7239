"""The engine: the planner graph, steps, the worker loop, escalation and the final review; one job at a time."""
