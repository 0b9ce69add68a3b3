"""Demo data for ``policyflow init --demo``: a department, one person per role, and
policies at each stage of the lifecycle, made through the same services as real use."""
