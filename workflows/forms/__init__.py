"""JSON Schema task forms: validation, what fields mean, answers saved for later.

``validation`` turns submitted values into data and explains what is wrong;
``deploy_checks`` refuses at deploy what would fail at run time; ``meaning``
reads a field's role (``x-role``) and public section; ``answer_rules`` checks
what a schema cannot express; ``saved_answers`` keeps unfinished answers.

May use: ``workflows.errors`` only. Everything else builds on it.
"""
