"""The tools the models act through. Each works on a `Sandbox`; errors come back as observations."""

from tools.base import Observation, Tool, Toolbox, ToolError
from tools.catalog import planner_tools, worker_tools

__all__ = ["Observation", "Tool", "ToolError", "Toolbox", "planner_tools", "worker_tools"]
