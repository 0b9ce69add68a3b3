"""The policy lifecycle engine around SpiffWorkflow: diagrams, storage, tasks and audit.

Nothing in this package imports Flask; the web app and the CLI call the services
built by :func:`workflows.wiring.build_services`.
"""
