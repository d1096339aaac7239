"""The job queue for many jobs on many hosts: `submit` records jobs and enqueues them on a Celery broker,
`sparkwright worker` runs them. Delivery is at-least-once; the job's lease makes a run happen in one place."""
