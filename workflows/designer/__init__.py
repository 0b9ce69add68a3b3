"""The designer studio's domain: drafts, the conformance guard, the dry run, version
comparison, moving running policies to another version, and importing diagrams made
elsewhere. Everything a designer sends reaches the database only through
``deploy.checked_bundle``, the same checks ``policyflow deploy`` runs.
"""
