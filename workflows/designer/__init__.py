"""The designer studio's domain: drafts, the conformance guard, checks with the engine's dry run, version
comparison, moving running policies to another version, and importing diagrams made
elsewhere. Everything a designer sends reaches the database only through
``deploy.checked_bundle``, the same checks ``policyflow deploy`` runs.

May use: the policy domain (to move running policies), the engine, forms, people and
storage. Only ``wiring`` stands above it.
"""
