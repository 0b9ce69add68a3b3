"""The policy domain: what people do with a department's recording policy, and what they read.

``commands`` starts policies, completes their tasks and fires their timers (the
one optimistic-retry loop); ``lifecycle_events``, ``incidents``, ``assignments``
and ``administration`` are what managers, staff and admins tell a running
policy; ``publication`` and ``documents`` cut the public versions; ``queries``,
``review_context`` (the evidence beside a decision), ``decisions``, ``timeline``,
``draft_changes``, ``status`` and ``dashboard`` are the read side.

May use: the engine, forms, people, notifications, the sandbox and storage.
Never the designer studio or the web.
"""
