"""Pages for the public, without signing in: the published policies, as HTML and PDF."""
