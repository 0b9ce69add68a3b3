"""Signing in and out: sessions, who the person is (``auth``), and the limits on failed attempts."""
