"""Signing people in beyond a password typed by an admin: what a chosen password must be,
changing one's own password, invitations with a one-time link, and people signed in by the
trust's OpenID Connect provider.

Uses the accounts, audit, schema, store and the notifications outbox; never imports Flask
or Authlib (the web side, ``webapp``, talks to the browser and the provider).
"""
