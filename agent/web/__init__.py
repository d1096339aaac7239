"""`sparkwright serve`: a local web app over the job record. Server-rendered pages (Starlette, Jinja2 with
autoescape), live updates by server-sent events, actions as POSTs that run the CLI's own commands."""
