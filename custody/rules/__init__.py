"""Every decision, pure: facts and a clock in, `Allowed` or `Refusal(rule, reason)` out."""
