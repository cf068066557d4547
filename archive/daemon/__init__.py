"""The scheduler daemon: crawls each source on its cron schedule, unattended, for months.

* :mod:`archive.daemon.schedule`: cron expressions to APScheduler triggers, next and overdue
  runs (shared by the daemon and ``healthwire status``, so both tell the same time).
* :mod:`archive.daemon.runner`: the daemon process itself (locks, signals, jobs, reloads).
* :mod:`archive.daemon.status`: what ``healthwire status`` reports.
"""
