"""One module per job payctl does, wiring the layers below; the CLI calls these.

    rollout        deploy: desired StackSets, plan, adoption, the rollout, manifests
    desired        what each StackSet should be, from the config and the built templates
    exports        the compliance manifests, read from the stack outputs
    report         the rollout report: what the waiter saw, beside the floor, kept in build/reports
    adoption, survey, adopt   redeploy after destroy: what was retained, finding it, importing it
    exact_preview  plan --exact: CloudFormation's own change set per account
    status, drift  where every instance stands, and what drifted
    destroy, purge destroy an environment (keeping its data), and remove that data for good
    delegation     whether the edge's domain is delegated yet
    quotas         whether each account's Lambda concurrency quota takes the reservations
    bootstrap      the StackSet roles, as plain stacks
    demo           the whole rollout against an endpoint the caller started

May import: every layer below (`scripts.errors` to `scripts.stacksets`); never `scripts.cli`,
`scripts.emulator` or `scripts.bench`.
"""
