"""Telling people: mail written to an outbox with the step that causes it, sent by a sender.

``notifier`` decides who is told what when a step is saved (in the step's own
transaction), ``reminders`` adds reminders before and after due dates,
``outbox`` holds the messages and their states, ``sender`` claims and sends them
over SMTP (``smtp``) with retries, and ``background`` runs the sender in a thread
of the web server. Mail never carries what anyone answered: it says what to do
and links to the task.

May use: ``workflows.storage`` and ``workflows.errors``; the policy domain calls it.
"""
from workflows.notifications.settings import MailSettings

__all__ = ["MailSettings"]
