"""Running policyflow for real: what operators and the serving processes need around the domain.

``timer_claims`` lets one process at a time fire a policy's due timers (a lease
taken by a conditional update), ``background`` fires them every few seconds in a
thread of each serving process. It uses the storage layer and the policy
commands; it never imports Flask.
"""
