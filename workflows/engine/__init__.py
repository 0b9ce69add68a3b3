"""SpiffWorkflow behind one door: diagrams loaded and checked, steps run, state kept small.

``specs`` reads an untrusted bundle (BPMN, DMN, forms) after ``diagram_checks``, with ``parser``;
``steps`` starts, completes and advances workflows (the only place steps run),
with ``events``, ``timers``, ``multi_instance``, ``joins`` and the data rules of ``storable``;
``codec`` and ``compaction`` keep the stored state without its spec or dead
history; ``state_migration`` moves a state onto another version; ``tasks``,
``instructions`` and ``diagram_map`` say what the diagram asks of people;
``processes`` keeps the deployed versions; ``flow_graph``, ``code_reads``,
``sample_answers`` and ``dry_run`` run a draft along its routes without storing it.

May use: ``workflows.forms``, ``workflows.scripting``, ``workflows.storage`` and
``workflows.errors``. Never the policy domain, people, notifications or the web.
"""
